using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Inspector.Grains.Configuration;
using Inspector.IronicEmulator;
using Inspector.Tests.Infrastructure;

namespace Inspector.Tests.Processing;

/// <summary>The default hooks plus <c>lldp_basic</c> and <c>local_link_connection</c>.</summary>
public sealed class LldpInspector() : ConfiguredInspector(new Dictionary<string, string>
{
    ["processing"] = "processing_hooks = $default_processing_hooks,lldp_basic,local_link_connection",
});

/// <summary>The optional LLDP hooks: switch data in the processed data and on the node's Ironic ports.</summary>
public sealed class LldpHookSpecs(LldpInspector shared) : IClassFixture<LldpInspector>
{
    private const string SwitchMac = "88:5a:92:ec:54:59";

    private InspectorHost Host => shared.Host;

    private static string Text(string value) => Convert.ToHexStringLower(Encoding.UTF8.GetBytes(value));

    /// <summary>What a leaf switch advertises on <paramref name="port"/>: chassis MAC, port name, TTL, names, a VLAN and the MTU.</summary>
    private static JsonArray SwitchTlvs(string port) => new(
        new JsonArray(1, "04" + SwitchMac.Replace(":", "", StringComparison.Ordinal)),
        new JsonArray(2, "05" + Text(port)),
        new JsonArray(3, "0078"),
        new JsonArray(4, Text($"{port} to rack 12")),
        new JsonArray(5, Text("leaf-r12-a.example.net")),
        new JsonArray(127, "0080c201" + "0064"),
        new JsonArray(127, "00120f04" + "2400"),
        new JsonArray(0, ""));

    private static async Task<(string Node, string Mac, string Bmc)> StartedAsync(InspectorHost host, bool withPort)
    {
        var mac = InspectorHost.RandomMac();
        var bmc = ProcessingProbes.RandomBmc();
        var node = host.Ironic.AddNode(driverInfo: new JsonObject { ["ipmi_address"] = bmc }, macs: withPort ? [mac] : []);
        await (await host.StartIntrospectionAsync(node, "?manage_boot=false")).AssertAcceptedAsync();
        return (node, mac, bmc);
    }

    private static JsonObject WithLldp(string mac, string bmc)
    {
        var payload = RamdiskPayloads.Ipa(mac, bmc);
        payload["inventory"]!["interfaces"]![0]!["lldp"] = SwitchTlvs("Ethernet1/18");
        payload["inventory"]!["interfaces"]![1]!["lldp"] = SwitchTlvs("Ethernet1/19");
        return payload;
    }

    [Fact]
    public async Task Lldp_tlvs_are_decoded_into_lldp_processed_of_every_interface()
    {
        var (node, mac, bmc) = await StartedAsync(Host, withPort: true);
        await (await Host.PostContinueAsync(WithLldp(mac, bmc))).AssertJsonAsync(HttpStatusCode.OK);

        var interfaces = (await Host.ProcessedDataAsync(node))["all_interfaces"]!;
        var eth0 = interfaces["eth0"]!["lldp_processed"]!;
        Assert.Equal(SwitchMac, (string?)eth0["switch_chassis_id"]);
        Assert.Equal("Ethernet1/18", (string?)eth0["switch_port_id"]);
        Assert.Equal("Ethernet1/18 to rack 12", (string?)eth0["switch_port_description"]);
        Assert.Equal("leaf-r12-a.example.net", (string?)eth0["switch_system_name"]);
        Assert.Equal(100, (int)eth0["switch_port_untagged_vlan_id"]!);
        Assert.Equal(9216, (int)eth0["switch_port_mtu"]!);
        Assert.Equal("Ethernet1/19", (string?)interfaces["eth1"]!["lldp_processed"]!["switch_port_id"]);
        Assert.Null(interfaces["eth2"]!["lldp_processed"]);
        Assert.Equal("finished", (string?)(await Host.WaitForStateAsync(node, "finished"))["state"]);
    }

    [Fact]
    public async Task The_existing_port_gets_its_local_link_connection()
    {
        var (node, mac, bmc) = await StartedAsync(Host, withPort: true);
        await (await Host.PostContinueAsync(WithLldp(mac, bmc))).AssertJsonAsync(HttpStatusCode.OK);

        var port = Assert.Single(Host.Ports(node)).Value;
        Assert.Equal(mac, (string?)port["address"]);
        Assert.Equal($$"""{"switch_id":"{{SwitchMac}}","port_id":"Ethernet1/18"}""", port["local_link_connection"]!.ToJsonString());
    }

    [Fact]
    public async Task A_new_port_is_created_with_its_local_link_connection()
    {
        var (node, mac, bmc) = await StartedAsync(Host, withPort: false);
        await (await Host.PostContinueAsync(WithLldp(mac, bmc))).AssertJsonAsync(HttpStatusCode.OK);

        var port = Assert.Single(Host.Ports(node)).Value;
        Assert.Equal(mac, (string?)port["address"]);
        Assert.Equal("Ethernet1/18", (string?)port["local_link_connection"]!["port_id"]);
        Assert.Equal(SwitchMac, (string?)port["local_link_connection"]!["switch_id"]);
    }

    [Fact]
    public async Task Tlvs_in_lldp_raw_are_used_as_newer_ramdisks_send_them()
    {
        var (node, mac, bmc) = await StartedAsync(Host, withPort: true);
        var payload = RamdiskPayloads.Ipa(mac, bmc);
        payload["lldp_raw"] = new JsonObject { ["eth0"] = SwitchTlvs("xe-0/0/1") };
        await (await Host.PostContinueAsync(payload)).AssertJsonAsync(HttpStatusCode.OK);

        Assert.Equal("xe-0/0/1", (string?)(await Host.ProcessedDataAsync(node))["all_interfaces"]!["eth0"]!["lldp_processed"]!["switch_port_id"]);
        Assert.Equal("xe-0/0/1", (string?)Assert.Single(Host.Ports(node)).Value["local_link_connection"]!["port_id"]);
    }

    [Fact]
    public async Task Malformed_tlvs_are_skipped_and_processing_finishes()
    {
        var (node, mac, bmc) = await StartedAsync(Host, withPort: true);
        var payload = RamdiskPayloads.Ipa(mac, bmc);
        payload["inventory"]!["interfaces"]![0]!["lldp"] = new JsonArray(
            new JsonArray(1, "0"),
            new JsonArray(2, "zz"),
            new JsonArray(2),
            new JsonArray("two", "05aa"),
            7,
            new JsonObject { ["type"] = 1 },
            new JsonArray(1, "99aabb"),
            new JsonArray(2, "05" + Text("Ethernet9")));
        await (await Host.PostContinueAsync(payload)).AssertJsonAsync(HttpStatusCode.OK);

        var status = await Host.WaitForStateAsync(node, "finished");
        Assert.Null((string?)status["error"]);
        Assert.Equal("Ethernet9", (string?)(await Host.ProcessedDataAsync(node))["all_interfaces"]!["eth0"]!["lldp_processed"]!["switch_port_id"]);
    }

    [Theory]
    [InlineData("\"not an object\"")]
    [InlineData("[[1, \"04885a92ec5459\"]]")]
    [InlineData("{\"eth0\": \"0104\"}")]
    [InlineData("42")]
    public async Task An_unusable_lldp_raw_never_fails_the_service(string lldpRaw)
    {
        var (node, mac, bmc) = await StartedAsync(Host, withPort: true);
        var payload = WithLldp(mac, bmc);
        payload["lldp_raw"] = JsonNode.Parse(lldpRaw);

        var response = await Host.PostContinueAsync(payload);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode is HttpStatusCode.OK or HttpStatusCode.BadRequest, $"{(int)response.StatusCode}: {text}");
        var state = (string?)(await Host.StatusAsync(node))["state"];
        Assert.True(state is "finished" or "error", $"the node must not stay {state}");
    }

    [Fact]
    public async Task An_unknown_hook_name_stops_start_up_naming_the_option()
    {
        await using var ironic = await IronicEmulatorServer.StartAsync();
        var failure = await Assert.ThrowsAsync<InvalidConfigurationException>(() => InspectorHost.StartAsync(
            new Dictionary<string, string> { ["processing"] = "processing_hooks = $default_processing_hooks,lldp_basic,no_such_hook" },
            ironic));
        Assert.Contains("processing_hooks", failure.Message);
        Assert.Contains("no_such_hook", failure.Message);
    }
}
