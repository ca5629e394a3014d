using System.Net;
using System.Text.Json.Nodes;
using Inspector.Tests.Infrastructure;

namespace Inspector.Tests.Processing;

public sealed class ContinueSpecs(ProcessingInspector shared) : IClassFixture<ProcessingInspector>
{
    private InspectorHost Host => shared.Host;

    private List<JsonArray> NodePatches(string node) =>
        [.. Host.Ironic.Calls.Where(c => c.Method == "PATCH" && c.Path == $"/v1/nodes/{node}").Select(c => JsonNode.Parse(c.Body!)!.AsArray())];

    [Fact]
    public async Task Ipa_data_updates_ironic_in_one_patch_stores_the_data_and_finishes()
    {
        var mac = InspectorHost.RandomMac();
        var node = await Host.StartedNodeAsync(mac);

        var body = await (await Host.PostContinueAsync(RamdiskPayloads.Ipa(mac))).AssertJsonAsync(HttpStatusCode.OK);
        Assert.Equal($$"""{"uuid":"{{node}}"}""", body.ToJsonString());

        var status = await Host.StatusAsync(node);
        Assert.Equal("finished", (string?)status["state"]);
        Assert.Null((string?)status["error"]);

        var patch = Assert.Single(NodePatches(node));
        var values = patch.ToDictionary(op => (string)op!["path"]!, op => op!["value"]!.ToJsonString());
        Assert.All(patch, op => Assert.Equal("add", (string?)op!["op"]));
        Assert.Equal("\"99\"", values["/properties/local_gb"]);
        Assert.Equal("\"4\"", values["/properties/cpus"]);
        Assert.Equal("\"x86_64\"", values["/properties/cpu_arch"]);
        Assert.Equal("\"8192\"", values["/properties/memory_mb"]);
        Assert.Equal("\"cpu_vt:true,cpu_aes:true,cpu_hugepages:true,cpu_hugepages_1g:true\"", values["/properties/capabilities"]);

        var properties = Host.Ironic.FindNode(node)!["properties"]!;
        Assert.Equal("99", (string?)properties["local_gb"]);
        Assert.Single(Host.Ironic.Calls, c => c.Path == $"/v1/nodes/{node}/states/power" && c.Body == """{"target":"power off"}""");

        var data = await (await Host.Client.GetAsync($"/v1/introspection/{node}/data")).AssertJsonAsync(HttpStatusCode.OK);
        Assert.NotNull(data["inventory"]);
        Assert.Equal(99, (long)data["local_gb"]!);
        Assert.Equal(4, (long)data["cpus"]!);
        Assert.Equal("x86_64", (string?)data["cpu_arch"]);
        Assert.Equal(8192, (long)data["memory_mb"]!);
        Assert.Equal("192.0.2.10", (string?)data["ipmi_address"]);
        Assert.Equal([mac], data["macs"]!.AsArray().Select(m => (string?)m));
        Assert.Equal(["eth0"], data["interfaces"]!.AsObject().Select(i => i.Key));
        Assert.Equal(["eth0", "eth1", "eth2", "lo"], data["all_interfaces"]!.AsObject().Select(i => i.Key));
        Assert.Equal("bios", (string?)data["inventory"]!["boot"]!["current_boot_mode"]);
        Assert.NotNull(data["configuration"]); // unknown keys are kept

        var raw = await (await Host.Client.GetAsync($"/v1/introspection/{node}/data/unprocessed")).AssertJsonAsync(HttpStatusCode.OK);
        Assert.Null(raw["all_interfaces"]);
        Assert.NotNull(raw["root_disk"]);
    }

    [Fact]
    public async Task Non_ascii_text_is_stored_and_served_as_the_ramdisk_sent_it()
    {
        var mac = InspectorHost.RandomMac();
        var node = await Host.StartedNodeAsync(mac);
        var payload = RamdiskPayloads.Ipa(mac);
        payload["inventory"]!["hostname"] = "host-XX";
        var sent = payload.ToJsonString().Replace("host-XX", "nœud-été-🚀"); // raw UTF-8, not \u escapes

        await (await Host.PostContinueAsync(sent)).AssertJsonAsync(HttpStatusCode.OK);

        var raw = await Host.Client.GetStringAsync($"/v1/introspection/{node}/data/unprocessed");
        Assert.Equal(sent, raw);
        var processed = await (await Host.Client.GetAsync($"/v1/introspection/{node}/data")).AssertJsonAsync(HttpStatusCode.OK);
        Assert.Equal("nœud-été-🚀", (string?)processed["inventory"]!["hostname"]);
    }

    [Fact]
    public async Task A_node_that_left_an_inspectable_state_meanwhile_is_not_changed_and_ends_in_error()
    {
        var mac = InspectorHost.RandomMac();
        var node = await Host.StartedNodeAsync(mac);
        Host.Ironic.FindNode(node)!["provision_state"] = "available";

        var message = await (await Host.PostContinueAsync(RamdiskPayloads.Ipa(mac))).AssertErrorAsync(HttpStatusCode.BadRequest);

        Assert.StartsWith("Invalid provision state for introspection: \"available\", valid states are", message);
        var status = await Host.WaitForStateAsync(node, "error");
        Assert.Equal(message, (string?)status["error"]);
        Assert.Empty(Host.NodePatches(node));
        Assert.DoesNotContain(Host.Ironic.Calls, c => c.Method == "POST" && c.Path == "/v1/ports" && (c.Body ?? "").Contains(mac, StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_surrogate_pair_sent_as_escapes_is_one_character()
    {
        var mac = InspectorHost.RandomMac();
        var node = await Host.StartedNodeAsync(mac);
        var payload = RamdiskPayloads.Ipa(mac);
        payload["inventory"]!["hostname"] = "host-XX";
        var sent = payload.ToJsonString().Replace("host-XX", "rocket-\\uD83D\\uDE80");

        await (await Host.PostContinueAsync(sent)).AssertJsonAsync(HttpStatusCode.OK);

        var processed = await (await Host.Client.GetAsync($"/v1/introspection/{node}/data")).AssertJsonAsync(HttpStatusCode.OK);
        Assert.Equal("rocket-🚀", (string?)processed["inventory"]!["hostname"]);
    }

    [Fact]
    public async Task The_flat_format_gives_the_same_processed_result()
    {
        var mac = InspectorHost.RandomMac();
        var node = await Host.StartedNodeAsync(mac, bmc: "192.0.2.11");

        await (await Host.PostContinueAsync(RamdiskPayloads.Flat(mac))).AssertJsonAsync(HttpStatusCode.OK);
        Assert.Equal("finished", (string?)(await Host.StatusAsync(node))["state"]);

        var properties = Host.Ironic.FindNode(node)!["properties"]!;
        Assert.Equal("2", (string?)properties["cpus"]);
        Assert.Equal("x86_64", (string?)properties["cpu_arch"]);
        Assert.Equal("4096", (string?)properties["memory_mb"]);
        Assert.Equal("20", (string?)properties["local_gb"]);

        var data = await (await Host.Client.GetAsync($"/v1/introspection/{node}/data")).AssertJsonAsync(HttpStatusCode.OK);
        Assert.Equal(mac, (string?)data["boot_interface"]);
        Assert.Equal([mac], data["macs"]!.AsArray().Select(m => (string?)m));
        Assert.Equal(2, (long)data["inventory"]!["cpu"]!["count"]!);
        Assert.Equal("192.0.2.11", (string?)data["ipmi_address"]);
    }

    [Fact]
    public async Task The_body_is_json_whatever_the_content_type()
    {
        var mac = InspectorHost.RandomMac();
        var node = await Host.StartedNodeAsync(mac);
        var content = new StringContent(RamdiskPayloads.Ipa(mac).ToJsonString(), System.Text.Encoding.UTF8, "text/plain");
        await (await Host.Client.PostAsync("/v1/continue", content)).AssertJsonAsync(HttpStatusCode.OK);
        Assert.Equal("finished", (string?)(await Host.StatusAsync(node))["state"]);
    }

    [Fact]
    public async Task Data_for_an_aborted_introspection_is_403()
    {
        var mac = InspectorHost.RandomMac();
        var node = await Host.StartedNodeAsync(mac);
        await (await Host.Client.PostAsync($"/v1/introspection/{node}/abort", null)).AssertAcceptedAsync();
        await Host.WaitForStateAsync(node, "error");

        var message = await (await Host.PostContinueAsync(RamdiskPayloads.Ipa(mac))).AssertErrorAsync(HttpStatusCode.Forbidden);
        Assert.Contains(node, message);
        Assert.Contains("not on introspection", message);
        Assert.Empty(NodePatches(node));
    }

    [Fact]
    public async Task A_repeated_post_is_refused_and_ironic_is_updated_once()
    {
        var mac = InspectorHost.RandomMac();
        var node = await Host.StartedNodeAsync(mac);
        await (await Host.PostContinueAsync(RamdiskPayloads.Ipa(mac))).AssertJsonAsync(HttpStatusCode.OK);
        var message = await (await Host.PostContinueAsync(RamdiskPayloads.Ipa(mac))).AssertErrorAsync(HttpStatusCode.Forbidden);
        Assert.Contains("not on introspection", message);
        Assert.Single(NodePatches(node));
    }

    [Fact]
    public async Task Concurrent_posts_for_one_node_process_it_exactly_once()
    {
        var mac = InspectorHost.RandomMac();
        var node = await Host.StartedNodeAsync(mac);
        var body = RamdiskPayloads.Ipa(mac).ToJsonString();
        var responses = await Task.WhenAll(Enumerable.Range(0, 25).Select(_ => Host.PostContinueAsync(body)));
        Assert.Equal(1, responses.Count(r => r.StatusCode == HttpStatusCode.OK));
        Assert.Equal(24, responses.Count(r => r.StatusCode == HttpStatusCode.Forbidden));
        Assert.Single(NodePatches(node));
        Assert.Single(Host.Ironic.Calls, c => c.Path == $"/v1/nodes/{node}/states/power" && c.Body!.Contains("power off", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Data_arriving_while_the_node_still_reboots_waits_for_the_start()
    {
        var mac = InspectorHost.RandomMac();
        var node = Host.AddNode(mac: mac);
        Host.Ironic.FailNext($"/v1/nodes/{node}/states/power", 409, 2);
        await (await Host.StartIntrospectionAsync(node)).AssertAcceptedAsync();
        await (await Host.PostContinueAsync(RamdiskPayloads.Ipa(mac))).AssertJsonAsync(HttpStatusCode.OK);
        Assert.Equal("finished", (string?)(await Host.StatusAsync(node))["state"]);
    }

    [Fact]
    public async Task Without_managed_boot_the_node_is_not_powered_off()
    {
        var mac = InspectorHost.RandomMac();
        var node = await Host.StartedNodeAsync(mac, manageBoot: false);
        await (await Host.PostContinueAsync(RamdiskPayloads.Ipa(mac))).AssertJsonAsync(HttpStatusCode.OK);
        Assert.DoesNotContain(Host.Ironic.Calls, c => c.Path == $"/v1/nodes/{node}/states/power");
    }

    [Fact]
    public async Task Data_matching_no_node_is_404()
    {
        var mac = InspectorHost.RandomMac();
        var message = await (await Host.PostContinueAsync(RamdiskPayloads.Ipa(mac, bmc: "198.51.100.7"))).AssertErrorAsync(HttpStatusCode.NotFound);
        Assert.StartsWith("Could not find a node for attributes {'bmc_address': ['198.51.100.7'], 'mac': [", message);
        Assert.Contains($"'{mac}'", message);
    }

    [Fact]
    public async Task Data_of_an_ironic_node_never_started_is_403()
    {
        var mac = InspectorHost.RandomMac();
        var node = Host.AddNode(mac: mac, bmc: "198.51.100.8");
        var message = await (await Host.PostContinueAsync(RamdiskPayloads.Ipa(mac, bmc: "198.51.100.8"))).AssertErrorAsync(HttpStatusCode.Forbidden);
        Assert.Contains(node, message);
    }

    [Fact]
    public async Task Two_nodes_matching_equally_is_404()
    {
        var first = InspectorHost.RandomMac();
        var second = InspectorHost.RandomMac();
        await Host.StartedNodeAsync(first, bmc: "198.51.100.20");
        await Host.StartedNodeAsync(second, bmc: "198.51.100.21");
        var payload = RamdiskPayloads.Ipa(first, bmc: null, secondMac: second);
        var message = await (await Host.PostContinueAsync(payload)).AssertErrorAsync(HttpStatusCode.NotFound);
        Assert.StartsWith("Multiple nodes match the same number of attributes", message);
    }

    [Fact]
    public async Task The_node_with_most_matching_attributes_wins()
    {
        var mac = InspectorHost.RandomMac();
        var other = InspectorHost.RandomMac();
        var winner = await Host.StartedNodeAsync(mac, bmc: "198.51.100.30");
        var loser = await Host.StartedNodeAsync(other, bmc: "198.51.100.31");
        var payload = RamdiskPayloads.Ipa(mac, bmc: "198.51.100.30", secondMac: other);
        var body = await (await Host.PostContinueAsync(payload)).AssertJsonAsync(HttpStatusCode.OK);
        Assert.Equal(winner, (string?)body["uuid"]);
        Assert.Equal("waiting", (string?)(await Host.StatusAsync(loser))["state"]);
    }

    [Fact]
    public async Task A_bmc_address_alone_finds_the_node()
    {
        var node = Host.Ironic.AddNode(driverInfo: new JsonObject { ["ipmi_address"] = "198.51.100.40" });
        await (await Host.StartIntrospectionAsync(node, "?manage_boot=false")).AssertAcceptedAsync();
        var body = await (await Host.PostContinueAsync(RamdiskPayloads.Ipa(InspectorHost.RandomMac(), bmc: "198.51.100.40"))).AssertJsonAsync(HttpStatusCode.OK);
        Assert.Equal(node, (string?)body["uuid"]);
    }

    [Fact]
    public async Task A_ramdisk_error_ends_the_introspection_at_once()
    {
        var mac = InspectorHost.RandomMac();
        var node = await Host.StartedNodeAsync(mac);
        var payload = RamdiskPayloads.Ipa(mac);
        payload["error"] = "Simulated ramdisk failure: lshw crashed";
        var message = await (await Host.PostContinueAsync(payload)).AssertErrorAsync(HttpStatusCode.BadRequest);
        Assert.Equal("Ramdisk reported error: Simulated ramdisk failure: lshw crashed", message);
        var status = await Host.StatusAsync(node);
        Assert.Equal("error", (string?)status["state"]);
        Assert.Equal(message, (string?)status["error"]);
        Assert.Empty(NodePatches(node));
    }

    [Fact]
    public async Task No_root_disk_means_a_diskless_node()
    {
        var mac = InspectorHost.RandomMac();
        var node = await Host.StartedNodeAsync(mac);
        var payload = RamdiskPayloads.Ipa(mac);
        payload.Remove("root_disk");
        payload["inventory"]!["disks"] = new JsonArray();
        await (await Host.PostContinueAsync(payload)).AssertJsonAsync(HttpStatusCode.OK);
        Assert.Equal("0", (string?)Host.Ironic.FindNode(node)!["properties"]!["local_gb"]);
    }

    [Fact]
    public async Task Root_device_hints_choose_the_root_disk()
    {
        var mac = InspectorHost.RandomMac();
        var node = Host.AddNode(mac: mac);
        Host.Ironic.FindNode(node)!["properties"] = new JsonObject { ["root_device"] = new JsonObject { ["serial"] = "QM00002" } };
        await (await Host.StartIntrospectionAsync(node)).AssertAcceptedAsync();
        await Host.WaitForStateAsync(node, "waiting");
        await (await Host.PostContinueAsync(RamdiskPayloads.Ipa(mac))).AssertJsonAsync(HttpStatusCode.OK);
        Assert.Equal("49", (string?)Host.Ironic.FindNode(node)!["properties"]!["local_gb"]);
        var data = await (await Host.Client.GetAsync($"/v1/introspection/{node}/data")).AssertJsonAsync(HttpStatusCode.OK);
        Assert.Equal("/dev/sdb", (string?)data["root_disk"]!["name"]);
    }

    [Fact]
    public async Task Root_device_hints_that_match_no_disk_fail_the_introspection()
    {
        var mac = InspectorHost.RandomMac();
        var node = Host.AddNode(mac: mac);
        Host.Ironic.FindNode(node)!["properties"] = new JsonObject { ["root_device"] = new JsonObject { ["size"] = 500 } };
        await (await Host.StartIntrospectionAsync(node)).AssertAcceptedAsync();
        await Host.WaitForStateAsync(node, "waiting");
        var message = await (await Host.PostContinueAsync(RamdiskPayloads.Ipa(mac))).AssertErrorAsync(HttpStatusCode.BadRequest);
        Assert.StartsWith("No disks satisfied root device hints", message);
        Assert.Equal("error", (string?)(await Host.StatusAsync(node))["state"]);
    }

    [Fact]
    public async Task The_pxe_port_is_created_when_ironic_lacks_it()
    {
        var pxeMac = InspectorHost.RandomMac();
        var node = Host.Ironic.AddNode(driverInfo: new JsonObject { ["ipmi_address"] = "198.51.100.50" });
        await (await Host.StartIntrospectionAsync(node, "?manage_boot=false")).AssertAcceptedAsync();
        await (await Host.PostContinueAsync(RamdiskPayloads.Ipa(pxeMac, bmc: "198.51.100.50"))).AssertJsonAsync(HttpStatusCode.OK);
        var port = Assert.Single(Host.Ironic.PortsOf(node));
        Assert.Equal(pxeMac, (string?)port["address"]);
        Assert.True((bool)port["pxe_enabled"]!);
    }

    [Theory]
    [InlineData("utf-8")]
    [InlineData("utf-16")]
    [InlineData("utf-16BE")]
    public async Task Data_with_a_byte_order_mark_is_read_in_the_encoding_the_mark_names(string encodingName)
    {
        var mac = InspectorHost.RandomMac();
        var bmc = ProcessingProbes.RandomBmc();
        var node = await Host.StartedNodeAsync(mac, bmc: bmc);
        var encoding = System.Text.Encoding.GetEncoding(encodingName);
        var text = RamdiskPayloads.Ipa(mac, bmc).ToJsonString();
        var body = new ByteArrayContent([.. encoding.GetPreamble(), .. encoding.GetBytes(text)]);

        var reply = await (await Host.Client.PostAsync("/v1/continue", body)).AssertJsonAsync(HttpStatusCode.OK);

        Assert.Equal(node, (string?)reply["uuid"]);
        Assert.Equal("finished", (string?)(await Host.StatusAsync(node))["state"]);
    }
}
