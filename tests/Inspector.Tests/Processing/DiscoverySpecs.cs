using System.Net;
using System.Text.Json.Nodes;
using Inspector.Tests.Infrastructure;

namespace Inspector.Tests.Processing;

/// <summary>Unknown machines are enrolled in Ironic (<c>node_not_found_hook = enroll</c>).</summary>
public sealed class EnrollingInspector() : ConfiguredInspector(new Dictionary<string, string>
{
    ["processing"] = "node_not_found_hook = enroll",
    ["discovery"] = "enroll_node_driver = ipmi\nenroll_node_fields = resource_class:baremetal",
});

/// <summary>Data of deployed nodes is processed without a start (<c>permit_active_introspection</c>).</summary>
public sealed class ActiveIntrospectionInspector() : ConfiguredInspector(new Dictionary<string, string>
{
    ["processing"] = "permit_active_introspection = true\nkeep_ports = present\nadd_ports = all",
});

/// <summary>Discovery of unknown machines, and introspection data of active nodes.</summary>
public sealed class DiscoverySpecs(EnrollingInspector enrolling, ActiveIntrospectionInspector active)
    : IClassFixture<EnrollingInspector>, IClassFixture<ActiveIntrospectionInspector>
{
    private static JsonObject NodeCreation(InspectorHost host, string bmcOrMac) =>
        host.Ironic.Calls.Where(c => c.Method == "POST" && c.Path == "/v1/nodes" && c.Body!.Contains(bmcOrMac, StringComparison.Ordinal))
            .Select(c => JsonNode.Parse(c.Body!)!.AsObject()).Single();

    [Fact]
    public async Task Data_from_an_unknown_machine_enrolls_a_new_ironic_node_and_processes_it()
    {
        var host = enrolling.Host;
        var mac = InspectorHost.RandomMac();
        var bmc = ProcessingProbes.RandomBmc();
        var existing = host.Ironic.Nodes.Select(n => (string)n["uuid"]!).ToHashSet();

        var reply = await (await host.PostContinueAsync(RamdiskPayloads.Ipa(mac, bmc))).AssertJsonAsync(HttpStatusCode.OK);
        var node = (string)reply["uuid"]!;
        Assert.Equal(["uuid"], reply.AsObject().Select(p => p.Key));
        Assert.DoesNotContain(node, existing);

        var creation = NodeCreation(host, bmc);
        Assert.Equal("ipmi", (string?)creation["driver"]);
        Assert.Equal("baremetal", (string?)creation["resource_class"]);
        Assert.Equal($$"""{"ipmi_address":"{{bmc}}"}""", creation["driver_info"]!.ToJsonString());

        var ironicNode = host.IronicNode(node);
        Assert.Equal(bmc, (string?)ironicNode["driver_info"]!["ipmi_address"]);
        Assert.Equal("4", host.Property(node, "cpus"));
        Assert.Equal("8192", host.Property(node, "memory_mb"));
        Assert.Equal("99", host.Property(node, "local_gb"));

        var port = Assert.Single(host.Ironic.PortsOf(node));
        Assert.Equal(mac, (string?)port["address"]);
        Assert.True((bool)port["pxe_enabled"]!);

        var status = await host.WaitForStateAsync(node, "finished");
        Assert.Null((string?)status["error"]);
        Assert.Equal(0, host.PowerCalls(node));

        var data = await host.ProcessedDataAsync(node);
        Assert.True((bool)data["auto_discovered"]!);
        Assert.NotNull(data["inventory"]);
        Assert.Equal(bmc, (string?)data["ipmi_address"]);
    }

    [Fact]
    public async Task A_discovered_machine_posting_again_is_not_enrolled_twice()
    {
        var host = enrolling.Host;
        var mac = InspectorHost.RandomMac();
        var bmc = ProcessingProbes.RandomBmc();
        var node = (string)(await (await host.PostContinueAsync(RamdiskPayloads.Ipa(mac, bmc))).AssertJsonAsync(HttpStatusCode.OK))["uuid"]!;
        await host.WaitForStateAsync(node, "finished");

        // Its port is in Ironic now: the second post belongs to a node that is not on introspection.
        var message = await (await host.PostContinueAsync(RamdiskPayloads.Ipa(mac, bmc))).AssertErrorAsync(HttpStatusCode.Forbidden);
        Assert.Contains(node, message);
        Assert.Single(host.Ironic.Calls, c => c.Method == "POST" && c.Path == "/v1/nodes" && c.Body!.Contains(bmc, StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_node_on_introspection_is_found_as_usual_when_discovery_is_on()
    {
        var host = enrolling.Host;
        var mac = InspectorHost.RandomMac();
        var bmc = ProcessingProbes.RandomBmc();
        var node = await host.StartedNodeAsync(mac, bmc: bmc);
        var reply = await (await host.PostContinueAsync(RamdiskPayloads.Ipa(mac, bmc))).AssertJsonAsync(HttpStatusCode.OK);
        Assert.Equal(node, (string?)reply["uuid"]);
        Assert.DoesNotContain(host.Ironic.Calls, c => c.Method == "POST" && c.Path == "/v1/nodes" && c.Body!.Contains(bmc, StringComparison.Ordinal));
        Assert.False((await host.ProcessedDataAsync(node)).ContainsKey("auto_discovered"));
    }

    [Fact]
    public async Task With_bmc_address_version_6_the_new_node_gets_the_v6_address()
    {
        await using var host = await ProcessingHostConfig.StartAsync(new Dictionary<string, string>
        {
            ["processing"] = "node_not_found_hook = enroll",
            ["discovery"] = "enabled_bmc_address_version = 6",
        });
        var mac = InspectorHost.RandomMac();
        var payload = RamdiskPayloads.Ipa(mac, "192.0.2.61");
        payload["inventory"]!["bmc_v6address"] = "2001:db8::61";

        var node = (string)(await (await host.PostContinueAsync(payload)).AssertJsonAsync(HttpStatusCode.OK))["uuid"]!;
        var creation = NodeCreation(host, "2001:db8::61");
        Assert.Equal("fake-hardware", (string?)creation["driver"]);
        Assert.Equal("2001:db8::61", (string?)host.IronicNode(node)["driver_info"]!["ipmi_address"]);
        Assert.True((bool)(await host.ProcessedDataAsync(node))["auto_discovered"]!);
        await host.WaitForStateAsync(node, "finished");
    }

    [Fact]
    public async Task Data_of_an_active_node_is_processed_without_a_start_its_ports_kept_and_new_nics_added()
    {
        var host = active.Host;
        var mac = InspectorHost.RandomMac();
        var (second, third) = (InspectorHost.RandomMac(), InspectorHost.RandomMac());
        var stale = InspectorHost.RandomMac();
        var bmc = ProcessingProbes.RandomBmc();
        var node = host.Ironic.AddNode(provisionState: "active", driverInfo: new JsonObject { ["ipmi_address"] = bmc },
            properties: new JsonObject { ["cpus"] = "1", ["capabilities"] = "profile:compute" });
        host.Ironic.AddPort(node, mac, pxeEnabled: false);
        host.Ironic.AddPort(node, stale, pxeEnabled: true);
        var portsBefore = host.Ironic.PortsOf(node).Select(p => p.ToJsonString()).Order().ToList();

        var reply = await (await host.PostContinueAsync(RamdiskPayloads.Ipa(mac, bmc, second, third))).AssertJsonAsync(HttpStatusCode.OK);
        Assert.Equal($$"""{"uuid":"{{node}}"}""", reply.ToJsonString());

        Assert.Equal("4", host.Property(node, "cpus"));
        Assert.Equal("8192", host.Property(node, "memory_mb"));
        Assert.StartsWith("profile:compute,", host.Property(node, "capabilities"));
        var portsAfter = host.Ironic.PortsOf(node).ToList();
        Assert.All(portsBefore, before => Assert.Contains(before, portsAfter.Select(p => p.ToJsonString())));
        Assert.Equal(
            [.. new[] { mac, stale, second, third }.Order()],
            portsAfter.Select(p => (string)p["address"]!).Order().ToList());
        var portPaths = portsAfter.Select(p => $"/v1/ports/{p["uuid"]}").ToHashSet();
        Assert.DoesNotContain(host.Ironic.Calls, c => portPaths.Contains(c.Path) && c.Method is "PATCH" or "DELETE");
        Assert.Equal(0, host.PowerCalls(node));
        Assert.Equal("active", (string?)host.IronicNode(node)["provision_state"]);

        var status = await host.WaitForStateAsync(node, "finished");
        Assert.Null((string?)status["error"]);
        Assert.Equal(4, (long)(await host.ProcessedDataAsync(node))["cpus"]!);
    }

    [Fact]
    public async Task Data_of_an_active_node_may_come_again_later()
    {
        var host = active.Host;
        var mac = InspectorHost.RandomMac();
        var bmc = ProcessingProbes.RandomBmc();
        var node = host.Ironic.AddNode(provisionState: "active", driverInfo: new JsonObject { ["ipmi_address"] = bmc }, macs: [mac]);

        await (await host.PostContinueAsync(RamdiskPayloads.Ipa(mac, bmc))).AssertJsonAsync(HttpStatusCode.OK);
        await host.WaitForStateAsync(node, "finished");
        var payload = RamdiskPayloads.Ipa(mac, bmc);
        payload["inventory"]!["memory"]!["physical_mb"] = 16384;
        await (await host.PostContinueAsync(payload)).AssertJsonAsync(HttpStatusCode.OK);
        Assert.Equal("16384", host.Property(node, "memory_mb"));
        Assert.Equal(2, host.NodePatches(node).Count);
    }

    [Fact]
    public async Task Stale_ports_of_a_node_that_is_not_active_are_deleted_with_keep_ports_present()
    {
        var host = active.Host;
        var mac = InspectorHost.RandomMac();
        var stale = InspectorHost.RandomMac();
        var bmc = ProcessingProbes.RandomBmc();
        var node = host.Ironic.AddNode(driverInfo: new JsonObject { ["ipmi_address"] = bmc }, macs: [mac, stale]);
        await (await host.StartIntrospectionAsync(node, "?manage_boot=false")).AssertAcceptedAsync();

        await (await host.PostContinueAsync(RamdiskPayloads.Ipa(mac, bmc))).AssertJsonAsync(HttpStatusCode.OK);
        Assert.DoesNotContain(stale, host.Ports(node).Keys);
        Assert.Contains(mac, host.Ports(node).Keys);
    }

    [Theory]
    [InlineData("active")]
    [InlineData("rescue")]
    public async Task Without_permit_active_introspection_data_of_an_active_node_is_403(string provisionState)
    {
        var host = enrolling.Host;
        var mac = InspectorHost.RandomMac();
        var bmc = ProcessingProbes.RandomBmc();
        var node = host.Ironic.AddNode(provisionState: provisionState, driverInfo: new JsonObject { ["ipmi_address"] = bmc }, macs: [mac]);

        var message = await (await host.PostContinueAsync(RamdiskPayloads.Ipa(mac, bmc))).AssertErrorAsync(HttpStatusCode.Forbidden);
        Assert.Contains(node, message);
        Assert.Contains("not on introspection", message);
        Assert.Empty(host.NodePatches(node));
        Assert.DoesNotContain(host.Ironic.Calls, c => c.Method == "POST" && c.Path == "/v1/nodes" && c.Body!.Contains(bmc, StringComparison.Ordinal));
        Assert.Equal(HttpStatusCode.NotFound, (await host.Client.GetAsync($"/v1/introspection/{node}")).StatusCode);
    }

    [Fact]
    public async Task With_permit_active_introspection_data_of_a_manageable_node_never_started_is_still_403()
    {
        var host = active.Host;
        var mac = InspectorHost.RandomMac();
        var bmc = ProcessingProbes.RandomBmc();
        var node = host.Ironic.AddNode(driverInfo: new JsonObject { ["ipmi_address"] = bmc }, macs: [mac]);
        var message = await (await host.PostContinueAsync(RamdiskPayloads.Ipa(mac, bmc))).AssertErrorAsync(HttpStatusCode.Forbidden);
        Assert.Contains(node, message);
        Assert.Empty(host.NodePatches(node));
    }
}
