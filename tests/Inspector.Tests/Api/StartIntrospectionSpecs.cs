using System.Net;
using System.Text.Json.Nodes;
using Inspector.Tests.Infrastructure;

namespace Inspector.Tests.Api;

public sealed class StartIntrospectionSpecs(SharedInspector shared) : IClassFixture<SharedInspector>
{
    private InspectorHost Host => shared.Host;

    [Fact]
    public async Task Start_with_managed_boot_sets_pxe_reboots_and_waits()
    {
        var node = Host.AddNode();
        await (await Host.StartIntrospectionAsync(node)).AssertAcceptedAsync();

        var immediately = await Host.StatusAsync(node);
        Assert.Contains((string?)immediately["state"], new[] { "starting", "waiting" });
        await Host.WaitForStateAsync(node, "waiting");

        var calls = Host.Ironic.Calls.Where(c => c.Path.StartsWith($"/v1/nodes/{node}/", StringComparison.Ordinal)).ToList();
        var boot = Assert.Single(calls, c => c.Method == "PUT" && c.Path.EndsWith("/management/boot_device", StringComparison.Ordinal));
        Assert.Equal("""{"boot_device":"pxe","persistent":false}""", boot.Body);
        var power = Assert.Single(calls, c => c.Method == "PUT" && c.Path.EndsWith("/states/power", StringComparison.Ordinal));
        Assert.Equal("""{"target":"rebooting"}""", power.Body);
        Assert.True(calls.IndexOf(boot) < calls.IndexOf(power), "the boot device is set before the reboot");
    }

    [Fact]
    public async Task A_node_that_forces_persistent_boot_gets_a_persistent_boot_device()
    {
        var node = Host.Ironic.AddNode(driverInfo: new JsonObject { ["ipmi_address"] = "192.0.2.20", ["force_persistent_boot_device"] = "Always" });
        await (await Host.StartIntrospectionAsync(node)).AssertAcceptedAsync();
        await Host.WaitForStateAsync(node, "waiting");
        var boot = Assert.Single(Host.Ironic.Calls, c => c.Path == $"/v1/nodes/{node}/management/boot_device");
        Assert.Equal("""{"boot_device":"pxe","persistent":true}""", boot.Body);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("false")]
    [InlineData("False")]
    [InlineData("no")]
    public async Task Start_without_managed_boot_is_waiting_when_202_returns_and_touches_no_power(string manageBoot)
    {
        var node = Host.AddNode();
        await (await Host.StartIntrospectionAsync(node, $"?manage_boot={manageBoot}")).AssertAcceptedAsync();

        var status = await Host.StatusAsync(node);
        Assert.Equal("waiting", (string?)status["state"]);
        Assert.DoesNotContain(Host.Ironic.Calls, c => c.Path.StartsWith($"/v1/nodes/{node}/states", StringComparison.Ordinal)
            || c.Path.StartsWith($"/v1/nodes/{node}/management", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("1")]
    [InlineData("true")]
    [InlineData("True")]
    public async Task Managed_boot_true_in_any_spelling_is_accepted(string manageBoot)
    {
        var node = Host.AddNode();
        await (await Host.StartIntrospectionAsync(node, $"?manage_boot={manageBoot}")).AssertAcceptedAsync();
        await Host.WaitForStateAsync(node, "waiting");
    }

    [Theory]
    [InlineData("foo")]
    [InlineData("")]
    [InlineData("2")]
    public async Task An_invalid_manage_boot_is_400(string manageBoot)
    {
        var node = Host.AddNode();
        var message = await (await Host.StartIntrospectionAsync(node, $"?manage_boot={manageBoot}")).AssertErrorAsync(HttpStatusCode.BadRequest);
        Assert.Equal($"Invalid boolean value for manage_boot: {manageBoot}", message);
        await (await Host.Client.GetAsync($"/v1/introspection/{node}")).AssertErrorAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task The_ironic_client_body_and_headers_are_accepted()
    {
        var node = Host.AddNode();
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/v1/introspection/{node}")
        {
            Content = new StringContent($$"""{"uuid": "{{node}}"}""", System.Text.Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("X-Auth-Token", "notused");
        await (await Host.Client.SendAsync(request)).AssertAcceptedAsync();
        await Host.WaitForStateAsync(node, "waiting");
    }

    [Fact]
    public async Task A_node_can_be_started_by_its_ironic_name()
    {
        var name = $"node-{Guid.NewGuid():N}";
        var node = Host.AddNode(name);
        await (await Host.StartIntrospectionAsync(name, "?manage_boot=false")).AssertAcceptedAsync();
        Assert.Equal(node, (string?)(await Host.StatusAsync(node))["uuid"]);
        Assert.Equal(node, (string?)(await Host.StatusAsync(name))["uuid"]);
    }

    [Fact]
    public async Task An_unknown_uuid_is_404_from_ironic()
    {
        var uuid = Guid.NewGuid().ToString();
        var message = await (await Host.StartIntrospectionAsync(uuid)).AssertErrorAsync(HttpStatusCode.NotFound);
        Assert.Equal($"Node {uuid} was not found in Ironic", message);
    }

    [Fact]
    public async Task An_unknown_name_is_404_from_ironic()
    {
        var message = await (await Host.StartIntrospectionAsync("no-such-node")).AssertErrorAsync(HttpStatusCode.NotFound);
        Assert.Equal("Node no-such-node was not found in Ironic", message);
    }

    [Theory]
    [InlineData("enroll")]
    [InlineData("manageable")]
    [InlineData("inspecting")]
    [InlineData("inspect wait")]
    [InlineData("inspect failed")]
    public async Task Inspectable_provision_states_are_accepted(string provisionState)
    {
        var node = Host.AddNode(provisionState: provisionState);
        await (await Host.StartIntrospectionAsync(node, "?manage_boot=false")).AssertAcceptedAsync();
    }

    [Theory]
    [InlineData("active")]
    [InlineData("available")]
    [InlineData("deploying")]
    public async Task Other_provision_states_are_400(string provisionState)
    {
        var node = Host.AddNode(provisionState: provisionState);
        var message = await (await Host.StartIntrospectionAsync(node)).AssertErrorAsync(HttpStatusCode.BadRequest);
        Assert.Equal(
            $"Invalid provision state for introspection: \"{provisionState}\", valid states are " +
            "\"['enroll', 'manageable', 'inspecting', 'inspect wait', 'inspect failed']\"", message);
    }

    [Fact]
    public async Task A_node_whose_power_interface_fails_validation_is_400_with_managed_boot()
    {
        var node = Host.AddNode();
        Host.Ironic.FindNode(node)!["power_validation"] = "Missing IPMI password";
        var message = await (await Host.StartIntrospectionAsync(node)).AssertErrorAsync(HttpStatusCode.BadRequest);
        Assert.Equal("Failed validation of power interface: Missing IPMI password", message);

        await (await Host.StartIntrospectionAsync(node, "?manage_boot=false")).AssertAcceptedAsync();
    }

    [Fact]
    public async Task A_node_without_ports_or_bmc_cannot_be_found_later_so_it_fails()
    {
        var node = Host.Ironic.AddNode();
        var message = await (await Host.StartIntrospectionAsync(node, "?manage_boot=false")).AssertErrorAsync(HttpStatusCode.BadRequest);
        Assert.StartsWith("No lookup attributes were found", message);
        var status = await Host.StatusAsync(node);
        Assert.Equal("error", (string?)status["state"]);
        Assert.Equal(message, (string?)status["error"]);
        Assert.True((bool)status["finished"]!);
    }

    [Fact]
    public async Task A_bmc_address_alone_is_enough_to_find_the_node_later()
    {
        var node = Host.Ironic.AddNode(driverInfo: new JsonObject { ["redfish_address"] = "https://192.0.2.30:8000/redfish/v1" });
        await (await Host.StartIntrospectionAsync(node, "?manage_boot=false")).AssertAcceptedAsync();
        Assert.Equal("waiting", (string?)(await Host.StatusAsync(node))["state"]);
    }

    [Fact]
    public async Task Start_again_while_waiting_restarts_with_a_new_start_time()
    {
        var node = Host.AddNode();
        await (await Host.StartIntrospectionAsync(node, "?manage_boot=false")).AssertAcceptedAsync();
        var first = await Host.StatusAsync(node);
        await Task.Delay(5);
        await (await Host.StartIntrospectionAsync(node, "?manage_boot=false")).AssertAcceptedAsync();
        var second = await Host.StatusAsync(node);
        Assert.Equal("waiting", (string?)second["state"]);
        Assert.NotEqual((string?)first["started_at"], (string?)second["started_at"]);
    }

    [Fact]
    public async Task Start_after_error_is_allowed()
    {
        var node = Host.AddNode();
        await (await Host.StartIntrospectionAsync(node, "?manage_boot=false")).AssertAcceptedAsync();
        await (await Host.Client.PostAsync($"/v1/introspection/{node}/abort", null)).AssertAcceptedAsync();
        await Host.WaitForStateAsync(node, "error");

        await (await Host.StartIntrospectionAsync(node, "?manage_boot=false")).AssertAcceptedAsync();
        var status = await Host.StatusAsync(node);
        Assert.Equal("waiting", (string?)status["state"]);
        Assert.Null((string?)status["error"]);
        Assert.False((bool)status["finished"]!);
    }

    [Fact]
    public async Task Ironic_conflicts_are_retried()
    {
        var node = Host.AddNode();
        Host.Ironic.FailNext($"/v1/nodes/{node}/management/boot_device", 409, 2);
        await (await Host.StartIntrospectionAsync(node)).AssertAcceptedAsync();
        await Host.WaitForStateAsync(node, "waiting");
        Assert.Equal(3, Host.Ironic.Calls.Count(c => c.Path == $"/v1/nodes/{node}/management/boot_device"));
    }

    [Fact]
    public async Task A_boot_device_that_cannot_be_set_ends_the_introspection_in_error()
    {
        var node = Host.AddNode();
        Host.Ironic.FailNext($"/v1/nodes/{node}/management/boot_device", 400, 1);
        await (await Host.StartIntrospectionAsync(node)).AssertAcceptedAsync();
        var status = await Host.WaitForStateAsync(node, "error");
        Assert.StartsWith("Failed to set boot device to PXE:", (string?)status["error"]);
        Assert.DoesNotContain(Host.Ironic.Calls, c => c.Path == $"/v1/nodes/{node}/states/power");
    }

    [Fact]
    public async Task A_node_that_cannot_be_rebooted_ends_the_introspection_in_error()
    {
        var node = Host.AddNode();
        Host.Ironic.FailNext($"/v1/nodes/{node}/states/power", 500, 1);
        await (await Host.StartIntrospectionAsync(node)).AssertAcceptedAsync();
        var status = await Host.WaitForStateAsync(node, "error");
        Assert.StartsWith("Failed to power on the node, check its power management configuration:", (string?)status["error"]);
    }
}
