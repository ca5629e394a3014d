using System.Net;
using System.Text.Json.Nodes;
using Inspector.Tests.Infrastructure;

namespace Inspector.Tests.Integration;

/// <summary>The inspector against a REAL Ironic (see <see cref="RealIronic"/>), and Ironic driving the inspector.</summary>
[Collection("real-ironic")]
public sealed class RealIronicSpecs(RealIronic ironic)
{
    private const string NoLookupAttributes =
        "No lookup attributes were found, inspector won't be able to find it after introspection, " +
        "consider creating ironic ports or providing an IPMI address";

    private InspectorHost Inspector => ironic.Inspector;

    [Fact]
    public async Task Starting_with_managed_boot_sets_pxe_and_reboots_the_node()
    {
        var uuid = await ironic.EnrollAsync();

        await (await Inspector.StartIntrospectionAsync(uuid)).AssertAcceptedAsync();

        var status = await Inspector.WaitForStateAsync(uuid, "waiting");
        Assert.False((bool)status["finished"]!);
        var node = await ironic.WaitForNodeAsync(uuid, "power_state", "power on");
        Assert.Equal("manageable", (string?)node["provision_state"]);
        var bootDevice = await ironic.GetBootDeviceAsync(uuid);
        Assert.Equal("pxe", (string?)bootDevice["boot_device"]);
        Assert.False((bool)bootDevice["persistent"]!);
    }

    [Fact]
    public async Task Starting_without_managed_boot_waits_at_once_and_leaves_power_alone()
    {
        var uuid = await ironic.EnrollAsync();

        await (await Inspector.StartIntrospectionAsync(uuid, "?manage_boot=false")).AssertAcceptedAsync();

        Assert.Equal("waiting", (string?)(await Inspector.StatusAsync(uuid))["state"]);
        var node = await ironic.GetNodeAsync(uuid);
        Assert.Null((string?)node["power_state"]);
        Assert.Null((string?)node["target_power_state"]);
    }

    [Fact]
    public async Task A_node_is_started_and_read_by_its_ironic_name()
    {
        var name = RealIronic.UniqueName("named");
        var uuid = await ironic.EnrollAsync(name);

        await (await Inspector.StartIntrospectionAsync(name)).AssertAcceptedAsync();

        var status = await Inspector.WaitForStateAsync(name, "waiting");
        Assert.Equal(uuid, (string?)status["uuid"]);
        Assert.Equal($"{Inspector.Url}/v1/introspection/{uuid}", (string?)status["links"]![0]!["href"]);
    }

    [Fact]
    public async Task A_node_ironic_does_not_inspect_in_its_provision_state_is_rejected()
    {
        var uuid = await ironic.EnrollAsync();
        await ironic.SetProvisionStateAsync(uuid, "provide");
        await ironic.WaitForNodeAsync(uuid, "provision_state", "available");

        var message = await (await Inspector.StartIntrospectionAsync(uuid)).AssertErrorAsync(HttpStatusCode.BadRequest);

        Assert.Equal(
            "Invalid provision state for introspection: \"available\", valid states are " +
            "\"['enroll', 'manageable', 'inspecting', 'inspect wait', 'inspect failed']\"",
            message);
        var status = await Inspector.Client.GetAsync($"/v1/introspection/{uuid}");
        Assert.Equal($"Could not find node {uuid} in cache", await status.AssertErrorAsync(HttpStatusCode.NotFound));
        Assert.Null((string?)(await ironic.GetNodeAsync(uuid))["power_state"]);
    }

    [Fact]
    public async Task A_node_in_enroll_can_be_inspected()
    {
        var uuid = (string)(await ironic.CreateNodeAsync(bmcAddress: RealIronic.NextBmcAddress()))["uuid"]!;

        await (await Inspector.StartIntrospectionAsync(uuid, "?manage_boot=false")).AssertAcceptedAsync();

        Assert.Equal("waiting", (string?)(await Inspector.StatusAsync(uuid))["state"]);
    }

    [Fact]
    public async Task A_uuid_ironic_does_not_know_is_404()
    {
        var uuid = Guid.NewGuid().ToString();

        var message = await (await Inspector.StartIntrospectionAsync(uuid)).AssertErrorAsync(HttpStatusCode.NotFound);

        Assert.Equal($"Node {uuid} was not found in Ironic", message);
    }

    [Fact]
    public async Task A_name_ironic_does_not_know_is_404()
    {
        var name = RealIronic.UniqueName("missing");

        var message = await (await Inspector.StartIntrospectionAsync(name)).AssertErrorAsync(HttpStatusCode.NotFound);

        Assert.Equal($"Node {name} was not found in Ironic", message);
    }

    [Fact]
    public async Task Abort_ends_in_error_and_powers_the_node_off()
    {
        var uuid = await ironic.EnrollAsync();
        await (await Inspector.StartIntrospectionAsync(uuid)).AssertAcceptedAsync();
        await Inspector.WaitForStateAsync(uuid, "waiting");
        await ironic.WaitForNodeAsync(uuid, "power_state", "power on");

        await (await Inspector.Client.PostAsync($"/v1/introspection/{uuid}/abort", null)).AssertAcceptedAsync();

        var status = await Inspector.WaitForStateAsync(uuid, "error");
        Assert.Equal("Canceled by operator", (string?)status["error"]);
        Assert.True((bool)status["finished"]!);
        await ironic.WaitForNodeAsync(uuid, "power_state", "power off");
    }

    [Fact]
    public async Task The_list_shows_started_nodes_newest_first()
    {
        var started = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            var uuid = await ironic.EnrollAsync();
            await (await Inspector.StartIntrospectionAsync(uuid, "?manage_boot=false")).AssertAcceptedAsync();
            started.Add(uuid);
        }

        var body = await (await Inspector.Client.GetAsync("/v1/introspection")).AssertJsonAsync(HttpStatusCode.OK);

        var listed = body["introspection"]!.AsArray()
            .Select(s => (string)s!["uuid"]!)
            .Where(started.Contains)
            .ToList();
        Assert.Equal(Enumerable.Reverse(started), listed);
    }

    [Fact]
    public async Task A_node_without_ports_or_bmc_address_cannot_be_started_without_managed_boot()
    {
        var uuid = await ironic.EnrollAsync(bmc: false, macs: []);

        var message = await (await Inspector.StartIntrospectionAsync(uuid, "?manage_boot=false"))
            .AssertErrorAsync(HttpStatusCode.BadRequest);

        Assert.Equal(NoLookupAttributes, message);
    }

    [Fact]
    public async Task Ironic_drives_an_inspection_through_this_service_and_aborts_it()
    {
        var uuid = await ironic.EnrollAsync(inspectInterface: "inspector");

        await ironic.SetProvisionStateAsync(uuid, "inspect");

        // Ironic calls POST /v1/introspection/{uuid} in the background, then polls the status.
        var status = await WaitForStatusAsync(uuid, "waiting");
        Assert.Null((string?)status["error"]);
        await ironic.WaitForNodeAsync(uuid, "provision_state", "inspect wait");
        await ironic.WaitForNodeAsync(uuid, "power_state", "power on");

        await ironic.SetProvisionStateAsync(uuid, "abort");

        status = await WaitForStatusAsync(uuid, "error");
        Assert.Equal("Canceled by operator", (string?)status["error"]);
        await ironic.WaitForNodeAsync(uuid, "provision_state", "inspect failed");
        // Ironic's "Inspection was aborted by request." does not stay in last_error: our power
        // off, which follows, is a successful power action, and those clear it.
        await ironic.WaitForNodeAsync(uuid, "power_state", "power off");
    }

    /// <summary>Like <see cref="InspectorHost.WaitForStateAsync"/>, but the node may not be known yet.</summary>
    private async Task<JsonObject> WaitForStatusAsync(string uuid, string state)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        var last = "not in the inspector yet";
        while (DateTime.UtcNow < deadline)
        {
            using var response = await Inspector.Client.GetAsync($"/v1/introspection/{uuid}");
            if (response.StatusCode == HttpStatusCode.OK)
            {
                var status = await response.ReadObjectAsync();
                if ((string?)status["state"] == state)
                {
                    return status;
                }

                last = status.ToJsonString();
            }

            await Task.Delay(50);
        }

        var node = await ironic.GetNodeAsync(uuid);
        throw new TimeoutException(
            $"Node {uuid} did not reach {state}: {last}; Ironic says provision_state " +
            $"'{node["provision_state"]}', last_error '{node["last_error"]}'");
    }
}
