using System.Net;
using System.Text.Json.Nodes;
using Inspector.Tests.Infrastructure;

namespace Inspector.Tests.Processing;

/// <summary>Setting IPMI credentials enabled, with a short validation period.</summary>
public sealed class IpmiCredentialsInspector() : ConfiguredInspector(new Dictionary<string, string>
{
    ["processing"] = "enable_setting_ipmi_credentials = true\nipmi_credentials_validation_timeout = 1",
});

/// <summary>Setting new IPMI credentials through the ramdisk (the seed API, README item 3).</summary>
public sealed class IpmiCredentialsSpecs(IpmiCredentialsInspector enabled, ProcessingInspector disabled)
    : IClassFixture<IpmiCredentialsInspector>, IClassFixture<ProcessingInspector>
{
    private const string Password = "Secret123";

    private InspectorHost Host => enabled.Host;

    private static (string Node, string Mac, string Bmc) AddNode(InspectorHost host, string? username = null)
    {
        var mac = InspectorHost.RandomMac();
        var bmc = ProcessingProbes.RandomBmc();
        var driverInfo = new JsonObject { ["ipmi_address"] = bmc };
        if (username is not null)
        {
            driverInfo["ipmi_username"] = username;
        }

        return (host.Ironic.AddNode(driverInfo: driverInfo, macs: [mac]), mac, bmc);
    }

    private static void AssertNoPasswordIn(string text) => Assert.DoesNotContain(Password, text, StringComparison.Ordinal);

    [Theory]
    [InlineData("?new_ipmi_username=admin&new_ipmi_password=Secret123")]
    [InlineData("?new_ipmi_password=Secret123")]
    [InlineData("?new_ipmi_username=admin")]
    public async Task Setting_credentials_is_disabled_by_default(string query)
    {
        var (node, _, _) = AddNode(disabled.Host);
        var message = await (await disabled.Host.StartIntrospectionAsync(node, query)).AssertErrorAsync(HttpStatusCode.BadRequest);
        Assert.Contains("enable_setting_ipmi_credentials", message);
        Assert.Equal(HttpStatusCode.NotFound, (await disabled.Host.Client.GetAsync($"/v1/introspection/{node}")).StatusCode);
        Assert.DoesNotContain(disabled.Host.Ironic.Calls, c => c.Path.StartsWith($"/v1/nodes/{node}/", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("Secret123456789012345")] // 21 characters
    [InlineData("Secret!23")]
    [InlineData("Secret 123")]
    [InlineData("Sécret123")]
    [InlineData("")]
    public async Task A_password_ipmi_cannot_take_is_400(string password)
    {
        var (node, _, _) = AddNode(Host);
        var message = await (await Host.StartIntrospectionAsync(node, $"?new_ipmi_username=admin&new_ipmi_password={Uri.EscapeDataString(password)}"))
            .AssertErrorAsync(HttpStatusCode.BadRequest);
        Assert.Equal("new_ipmi_password must be 1 to 20 letters and digits (the IPMI 2.0 limit)", message);
        Assert.Equal(HttpStatusCode.NotFound, (await Host.Client.GetAsync($"/v1/introspection/{node}")).StatusCode);
    }

    [Fact]
    public async Task A_user_name_without_a_password_is_400()
    {
        var (node, _, _) = AddNode(Host);
        await (await Host.StartIntrospectionAsync(node, "?new_ipmi_username=admin")).AssertErrorAsync(HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task A_password_of_20_letters_and_digits_is_accepted()
    {
        var (node, _, _) = AddNode(Host);
        await (await Host.StartIntrospectionAsync(node, "?new_ipmi_username=admin&new_ipmi_password=Abcdefghij0123456789")).AssertAcceptedAsync();
        Assert.Equal("waiting", (string?)(await Host.StatusAsync(node))["state"]);
    }

    [Fact]
    public async Task Without_a_user_name_in_the_request_or_the_node_it_is_400()
    {
        var (node, _, _) = AddNode(Host);
        var message = await (await Host.StartIntrospectionAsync(node, $"?new_ipmi_password={Password}")).AssertErrorAsync(HttpStatusCode.BadRequest);
        Assert.Contains("user name", message);
        Assert.Contains("ipmi_username", message);
        AssertNoPasswordIn(message);
        Assert.Equal(HttpStatusCode.NotFound, (await Host.Client.GetAsync($"/v1/introspection/{node}")).StatusCode);
    }

    [Fact]
    public async Task The_user_name_defaults_to_the_one_in_driver_info()
    {
        var (node, mac, bmc) = AddNode(Host, username: "root");
        await (await Host.StartIntrospectionAsync(node, $"?new_ipmi_password={Password}")).AssertAcceptedAsync();
        var reply = await (await Host.PostContinueAsync(RamdiskPayloads.Ipa(mac, bmc))).AssertJsonAsync(HttpStatusCode.OK);
        Assert.Equal("root", (string?)reply["ipmi_username"]);
        Assert.Equal("root", (string?)Host.IronicNode(node)["driver_info"]!["ipmi_username"]);
        await Host.WaitForStateAsync(node, "finished");
    }

    [Fact]
    public async Task New_credentials_reach_the_ramdisk_and_ironic_and_the_introspection_finishes()
    {
        var (node, mac, _) = AddNode(Host);
        var reportedBmc = ProcessingProbes.RandomBmc();

        await (await Host.StartIntrospectionAsync(node, $"?new_ipmi_username=admin&new_ipmi_password={Password}")).AssertAcceptedAsync();
        // The BMC cannot be used yet: the operator powers the node on, the inspector does not.
        var waiting = await Host.StatusAsync(node);
        Assert.Equal("waiting", (string?)waiting["state"]);
        Assert.DoesNotContain(Host.Ironic.Calls, c => c.Path == $"/v1/nodes/{node}/states/power"
            || c.Path == $"/v1/nodes/{node}/management/boot_device" || c.Path == $"/v1/nodes/{node}/validate");

        // The ramdisk found the node by its MAC and reports the BMC's (new) address.
        var response = await Host.PostContinueAsync(RamdiskPayloads.Ipa(mac, reportedBmc));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal($$"""{"ipmi_password":"{{Password}}","ipmi_setup_credentials":true,"ipmi_username":"admin","uuid":"{{node}}"}""",
            await response.Content.ReadAsStringAsync());

        var driverInfo = Host.IronicNode(node)["driver_info"]!;
        Assert.Equal("admin", (string?)driverInfo["ipmi_username"]);
        Assert.Equal(Password, (string?)driverInfo["ipmi_password"]);
        Assert.Equal(reportedBmc, (string?)driverInfo["ipmi_address"]);
        Assert.Equal("4", Host.Property(node, "cpus"));
        Assert.Single(Host.NodePatches(node));

        var status = await Host.WaitForStateAsync(node, "finished");
        Assert.Null((string?)status["error"]);
        Assert.DoesNotContain(Host.Ironic.Calls, c => c.Path == $"/v1/nodes/{node}/states/power");
        Assert.Contains(Host.Ironic.Calls, c => c.Path == $"/v1/nodes/{node}/validate");

        AssertNoPasswordIn(status.ToJsonString());
        AssertNoPasswordIn(await (await Host.Client.GetAsync("/v1/introspection")).Content.ReadAsStringAsync());
        AssertNoPasswordIn(await (await Host.Client.GetAsync($"/v1/introspection/{node}/data")).Content.ReadAsStringAsync());
        AssertNoPasswordIn(await Host.UnprocessedTextAsync(node));

        // The credentials belong to that introspection: data posted again gets no password.
        var again = await Host.PostContinueAsync(RamdiskPayloads.Ipa(mac, reportedBmc));
        AssertNoPasswordIn(await again.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Credentials_ironic_cannot_validate_end_the_introspection_in_error()
    {
        var (node, mac, bmc) = AddNode(Host);
        await (await Host.StartIntrospectionAsync(node, $"?new_ipmi_username=admin&new_ipmi_password={Password}")).AssertAcceptedAsync();
        Host.IronicNode(node)["power_validation"] = "bad creds";

        var reply = await (await Host.PostContinueAsync(RamdiskPayloads.Ipa(mac, bmc))).AssertJsonAsync(HttpStatusCode.OK);
        Assert.True((bool)reply["ipmi_setup_credentials"]!);

        var status = await Host.WaitForStateAsync(node, "error", TimeSpan.FromSeconds(15));
        var error = (string)status["error"]!;
        Assert.StartsWith("Failed to validate updated IPMI credentials", error);
        Assert.Contains(node, error);
        Assert.Contains("bad creds", error);
        AssertNoPasswordIn(error);
        Assert.True(Host.Ironic.Calls.Count(c => c.Path == $"/v1/nodes/{node}/validate") >= 2, "validation is retried");
        Assert.DoesNotContain(Host.Ironic.Calls, c => c.Path == $"/v1/nodes/{node}/states/power");
    }

    [Fact]
    public async Task Credentials_that_start_working_within_the_timeout_finish_the_introspection()
    {
        var (node, mac, bmc) = AddNode(Host);
        await (await Host.StartIntrospectionAsync(node, $"?new_ipmi_username=admin&new_ipmi_password={Password}")).AssertAcceptedAsync();
        Host.IronicNode(node)["power_validation"] = "BMC not reachable yet";

        await (await Host.PostContinueAsync(RamdiskPayloads.Ipa(mac, bmc))).AssertJsonAsync(HttpStatusCode.OK);
        while (!Host.Ironic.Calls.Any(c => c.Path == $"/v1/nodes/{node}/validate"))
        {
            await Task.Delay(10);
        }

        Host.IronicNode(node)["power_validation"] = null;
        var status = await Host.WaitForStateAsync(node, "finished", TimeSpan.FromSeconds(15));
        Assert.Null((string?)status["error"]);
    }

    [Fact]
    public async Task A_normal_start_on_the_same_service_sends_no_credentials_to_the_ramdisk()
    {
        var mac = InspectorHost.RandomMac();
        var bmc = ProcessingProbes.RandomBmc();
        var node = await Host.StartedNodeAsync(mac, bmc: bmc);
        var reply = await (await Host.PostContinueAsync(RamdiskPayloads.Ipa(mac, bmc))).AssertJsonAsync(HttpStatusCode.OK);
        Assert.Equal($$"""{"uuid":"{{node}}"}""", reply.ToJsonString());
        Assert.Null(Host.IronicNode(node)["driver_info"]!["ipmi_password"]);
    }
}
