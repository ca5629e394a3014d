using System.Net;
using System.Text.Json.Nodes;
using Inspector.Tests.Infrastructure;

namespace Inspector.Tests.Processing;

/// <summary><c>add_ports = all</c>, <c>keep_ports = present</c>, boot mode and PCI device capabilities.</summary>
public sealed class AllPortsInspector() : ConfiguredInspector(new Dictionary<string, string>
{
    ["processing"] = "add_ports = all\nkeep_ports = present",
    ["capabilities"] = "boot_mode = true",
    // The option repeated once per alias, as in the reference's own examples.
    ["pci_devices"] = """
        alias = {"vendor_id": "8086", "product_id": "1572", "name": "intel_nic"}
        alias = {"vendor_id": "10de", "product_id": "1db4", "name": "gpu"}
        """,
});

/// <summary><c>add_ports = active</c>, <c>keep_ports = added</c>, <c>overwrite_existing = false</c>.</summary>
public sealed class ActivePortsInspector() : ConfiguredInspector(new Dictionary<string, string>
{
    ["processing"] = "add_ports = active\nkeep_ports = added\noverwrite_existing = false",
});

/// <summary><c>add_ports = disabled</c>, <c>update_pxe_enabled = false</c>.</summary>
public sealed class NoPortsInspector() : ConfiguredInspector(new Dictionary<string, string>
{
    ["processing"] = "add_ports = disabled\nupdate_pxe_enabled = false",
});

/// <summary>
/// What <c>validate_interfaces</c>, <c>capabilities</c> and <c>pci_devices</c> do to the node in
/// Ironic. The IPA data has eth0 (the PXE NIC, with an address), eth1 (with an address), eth2
/// (without) and lo.
/// </summary>
public sealed class PortsSpecs(
    ProcessingInspector defaults, AllPortsInspector all, ActivePortsInspector active, NoPortsInspector none)
    : IClassFixture<ProcessingInspector>, IClassFixture<AllPortsInspector>, IClassFixture<ActivePortsInspector>, IClassFixture<NoPortsInspector>
{
    /// <summary>A machine: its NICs' MACs and BMC address, and the Ironic node for it.</summary>
    private sealed record Machine(string Node, string Eth0, string Eth1, string Eth2, string Bmc)
    {
        public JsonObject Payload() => RamdiskPayloads.Ipa(Eth0, Bmc, Eth1, Eth2);
    }

    /// <summary>
    /// Enrolls a node with ports for <paramref name="portsFor"/> (pxe_enabled as given) and
    /// starts it without managed boot; it is found by its BMC address.
    /// </summary>
    private static async Task<Machine> StartedMachineAsync(
        InspectorHost host, Func<Machine, IEnumerable<(string Mac, bool Pxe)>>? portsFor = null, JsonObject? properties = null)
    {
        var bmc = ProcessingProbes.RandomBmc();
        var node = host.Ironic.AddNode(driverInfo: new JsonObject { ["ipmi_address"] = bmc }, properties: properties);
        var machine = new Machine(node, InspectorHost.RandomMac(), InspectorHost.RandomMac(), InspectorHost.RandomMac(), bmc);
        foreach (var (mac, pxe) in portsFor?.Invoke(machine) ?? [])
        {
            host.Ironic.AddPort(node, mac, pxe);
        }

        await (await host.StartIntrospectionAsync(node, "?manage_boot=false")).AssertAcceptedAsync();
        return machine;
    }

    private static async Task ProcessAsync(InspectorHost host, Machine machine, JsonObject? payload = null)
    {
        var reply = await (await host.PostContinueAsync(payload ?? machine.Payload())).AssertJsonAsync(HttpStatusCode.OK);
        Assert.Equal(machine.Node, (string?)reply["uuid"]);
        await host.WaitForStateAsync(machine.Node, "finished");
    }

    private static Dictionary<string, bool> PxeEnabledByMac(InspectorHost host, string node) =>
        host.Ports(node).ToDictionary(p => p.Key, p => (bool)p.Value["pxe_enabled"]!);

    private static Dictionary<string, string> Capabilities(InspectorHost host, string node) =>
        (host.Property(node, "capabilities") ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries)
            .Select(c => c.Split(':', 2)).ToDictionary(c => c[0], c => c[1]);

    // ---- add_ports ----

    [Fact]
    public async Task Add_ports_pxe_creates_only_the_port_of_the_pxe_nic()
    {
        var m = await StartedMachineAsync(defaults.Host);
        await ProcessAsync(defaults.Host, m);
        Assert.Equal(new Dictionary<string, bool> { [m.Eth0] = true }, PxeEnabledByMac(defaults.Host, m.Node));
    }

    [Fact]
    public async Task Add_ports_pxe_without_a_known_pxe_nic_creates_ports_for_the_nics_with_an_address()
    {
        var m = await StartedMachineAsync(defaults.Host);
        var payload = m.Payload();
        payload.Remove("boot_interface");
        payload["inventory"]!["boot"]!["pxe_interface"] = null;
        await ProcessAsync(defaults.Host, m, payload);
        Assert.Equal(new Dictionary<string, bool> { [m.Eth0] = true, [m.Eth1] = true }, PxeEnabledByMac(defaults.Host, m.Node));
    }

    [Fact]
    public async Task Add_ports_all_creates_a_port_for_every_nic_but_the_loopback()
    {
        var m = await StartedMachineAsync(all.Host);
        await ProcessAsync(all.Host, m);
        Assert.Equal(new Dictionary<string, bool> { [m.Eth0] = true, [m.Eth1] = false, [m.Eth2] = false }, PxeEnabledByMac(all.Host, m.Node));
        Assert.Empty(all.Host.Ironic.PortsWithAddress("00:00:00:00:00:00"));

        var data = await all.Host.ProcessedDataAsync(m.Node);
        Assert.Equal(["eth0", "eth1", "eth2"], data["interfaces"]!.AsObject().Select(i => i.Key).Order());
        Assert.Equal(new[] { m.Eth0, m.Eth1, m.Eth2 }.Order(), data["macs"]!.AsArray().Select(x => (string)x!).Order());
    }

    /// <summary>Ironic's 409 for a MAC another node's port has is permanent: asked once, warned about, skipped.</summary>
    [Fact]
    public async Task A_mac_that_is_another_nodes_port_is_skipped_after_one_try()
    {
        var host = all.Host;
        var other = host.Ironic.AddNode();
        var m = await StartedMachineAsync(host);
        host.Ironic.AddPort(other, m.Eth1, pxeEnabled: true);

        await ProcessAsync(host, m);

        Assert.Single(host.Ironic.Calls, c => c.Method == "POST" && c.Path == "/v1/ports" && (c.Body ?? "").Contains(m.Eth1, StringComparison.Ordinal));
        Assert.Equal(new[] { m.Eth0, m.Eth2 }.Order(), PxeEnabledByMac(host, m.Node).Keys.Order());
        Assert.True(host.Ports(other).ContainsKey(m.Eth1));
    }

    [Fact]
    public async Task Add_ports_active_creates_ports_for_the_nics_with_an_address()
    {
        var m = await StartedMachineAsync(active.Host);
        await ProcessAsync(active.Host, m);
        Assert.Equal(new Dictionary<string, bool> { [m.Eth0] = true, [m.Eth1] = false }, PxeEnabledByMac(active.Host, m.Node));
    }

    [Fact]
    public async Task Add_ports_disabled_creates_no_port()
    {
        var m = await StartedMachineAsync(none.Host);
        await ProcessAsync(none.Host, m);
        Assert.Empty(none.Host.Ports(m.Node));
        Assert.DoesNotContain(none.Host.Ironic.Calls, c => c.Method == "POST" && c.Path == "/v1/ports" && c.Body!.Contains(m.Node, StringComparison.Ordinal));
        Assert.Equal("4", none.Host.Property(m.Node, "cpus"));
    }

    // ---- keep_ports ----

    [Fact]
    public async Task Keep_ports_all_keeps_ports_the_machine_does_not_have()
    {
        var stale = InspectorHost.RandomMac();
        var m = await StartedMachineAsync(defaults.Host, m => [(m.Eth0, true), (stale, false)]);
        await ProcessAsync(defaults.Host, m);
        Assert.Equal(new Dictionary<string, bool> { [m.Eth0] = true, [stale] = false }, PxeEnabledByMac(defaults.Host, m.Node));
    }

    [Fact]
    public async Task Keep_ports_present_deletes_ports_whose_mac_the_machine_does_not_have()
    {
        var stale = InspectorHost.RandomMac();
        var m = await StartedMachineAsync(all.Host, m => [(m.Eth0, true), (m.Eth2, false), (stale, true)]);
        await ProcessAsync(all.Host, m);
        Assert.Equal(new Dictionary<string, bool> { [m.Eth0] = true, [m.Eth1] = false, [m.Eth2] = false }, PxeEnabledByMac(all.Host, m.Node));
        Assert.Empty(all.Host.Ironic.PortsWithAddress(stale));
    }

    [Fact]
    public async Task Keep_ports_added_keeps_only_the_ports_of_the_nics_it_would_add()
    {
        var stale = InspectorHost.RandomMac();
        var m = await StartedMachineAsync(active.Host, m => [(m.Eth0, true), (m.Eth2, false), (stale, true)]);
        await ProcessAsync(active.Host, m);
        // eth2 has no address, so add_ports = active would not add it: its port goes too.
        Assert.Equal(new Dictionary<string, bool> { [m.Eth0] = true, [m.Eth1] = false }, PxeEnabledByMac(active.Host, m.Node));
    }

    // ---- pxe_enabled ----

    [Fact]
    public async Task Update_pxe_enabled_fixes_the_flag_on_existing_ports()
    {
        var m = await StartedMachineAsync(defaults.Host, m => [(m.Eth0, false), (m.Eth1, true), (m.Eth2, false)]);
        await ProcessAsync(defaults.Host, m);
        Assert.Equal(new Dictionary<string, bool> { [m.Eth0] = true, [m.Eth1] = false, [m.Eth2] = false }, PxeEnabledByMac(defaults.Host, m.Node));

        var portPatches = defaults.Host.Ironic.Calls.Where(c => c.Method == "PATCH" && c.Path.StartsWith("/v1/ports/", StringComparison.Ordinal)
            && defaults.Host.Ports(m.Node).Values.Any(p => c.Path == $"/v1/ports/{p["uuid"]}")).ToList();
        Assert.Equal(2, portPatches.Count);
        Assert.All(portPatches, c => Assert.Contains("\"path\":\"/pxe_enabled\"", c.Body, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Without_update_pxe_enabled_existing_ports_keep_their_flag()
    {
        var m = await StartedMachineAsync(none.Host, m => [(m.Eth0, false), (m.Eth1, true)]);
        await ProcessAsync(none.Host, m);
        Assert.Equal(new Dictionary<string, bool> { [m.Eth0] = false, [m.Eth1] = true }, PxeEnabledByMac(none.Host, m.Node));
    }

    [Fact]
    public async Task Without_overwrite_existing_pxe_enabled_is_not_changed_either()
    {
        var m = await StartedMachineAsync(active.Host, m => [(m.Eth0, false), (m.Eth1, true)]);
        await ProcessAsync(active.Host, m);
        Assert.Equal(new Dictionary<string, bool> { [m.Eth0] = false, [m.Eth1] = true }, PxeEnabledByMac(active.Host, m.Node));
    }

    // ---- InfiniBand ----

    [Fact]
    public async Task An_infiniband_nic_gets_its_client_id_in_the_port_extra()
    {
        const string clientId = "ff:00:00:00:00:00:02:00:00:02:c9:00:7c:fe:90:03:00:29:26:52";
        var m = await StartedMachineAsync(defaults.Host);
        var payload = m.Payload();
        payload["inventory"]!["interfaces"]![0]!["client_id"] = clientId;
        await ProcessAsync(defaults.Host, m, payload);

        var port = Assert.Single(defaults.Host.Ports(m.Node)).Value;
        Assert.Equal($$"""{"client-id":"{{clientId}}"}""", port["extra"]!.ToJsonString());
        Assert.Equal(clientId, (string?)(await defaults.Host.ProcessedDataAsync(m.Node))["all_interfaces"]!["eth0"]!["client_id"]);
    }

    [Fact]
    public async Task An_ethernet_nic_gets_no_client_id()
    {
        var m = await StartedMachineAsync(defaults.Host);
        await ProcessAsync(defaults.Host, m);
        Assert.Equal("{}", Assert.Single(defaults.Host.Ports(m.Node)).Value["extra"]!.ToJsonString());
    }

    // ---- properties ----

    [Fact]
    public async Task Without_overwrite_existing_properties_that_have_a_value_are_kept()
    {
        var m = await StartedMachineAsync(active.Host,
            properties: new JsonObject { ["cpus"] = "2", ["local_gb"] = "10", ["capabilities"] = "profile:compute" });
        await ProcessAsync(active.Host, m);

        Assert.Equal("2", active.Host.Property(m.Node, "cpus"));
        Assert.Equal("10", active.Host.Property(m.Node, "local_gb"));
        Assert.Equal("8192", active.Host.Property(m.Node, "memory_mb"));
        Assert.Equal("x86_64", active.Host.Property(m.Node, "cpu_arch"));
        Assert.Equal("compute", Capabilities(active.Host, m.Node)["profile"]);
        Assert.Equal("true", Capabilities(active.Host, m.Node)["cpu_vt"]);

        var data = await active.Host.ProcessedDataAsync(m.Node);
        Assert.Equal(4, (long)data["cpus"]!);
        Assert.Equal(99, (long)data["local_gb"]!);
    }

    [Fact]
    public async Task With_overwrite_existing_properties_are_replaced()
    {
        var m = await StartedMachineAsync(defaults.Host, properties: new JsonObject { ["cpus"] = "2", ["local_gb"] = "10" });
        await ProcessAsync(defaults.Host, m);
        Assert.Equal("4", defaults.Host.Property(m.Node, "cpus"));
        Assert.Equal("99", defaults.Host.Property(m.Node, "local_gb"));
    }

    // ---- capabilities ----

    [Fact]
    public async Task Boot_mode_capability_is_added_when_enabled_and_existing_capabilities_stay()
    {
        var m = await StartedMachineAsync(all.Host, properties: new JsonObject { ["capabilities"] = "profile:compute,boot_mode:uefi" });
        await ProcessAsync(all.Host, m);
        var capabilities = Capabilities(all.Host, m.Node);
        Assert.Equal("bios", capabilities["boot_mode"]);
        Assert.Equal("compute", capabilities["profile"]);
        Assert.Equal("true", capabilities["cpu_aes"]);
        Assert.StartsWith("profile:compute,boot_mode:bios", all.Host.Property(m.Node, "capabilities"));
    }

    [Fact]
    public async Task Boot_mode_capability_is_not_added_by_default()
    {
        var m = await StartedMachineAsync(defaults.Host);
        await ProcessAsync(defaults.Host, m);
        Assert.DoesNotContain("boot_mode", Capabilities(defaults.Host, m.Node).Keys);
    }

    [Fact]
    public async Task Pci_devices_matching_an_alias_are_counted_into_capabilities()
    {
        var m = await StartedMachineAsync(all.Host);
        var payload = m.Payload();
        payload["pci_devices"] = new JsonArray(
            Pci("8086", "1572", "0000:01:00.0"),
            Pci("8086", "1572", "0000:01:00.1"),
            Pci("10de", "1db4", "0000:3b:00.0"),
            Pci("8086", "1563", "0000:02:00.0"),
            Pci("15b3", "1017", "0000:5e:00.0"));
        await ProcessAsync(all.Host, m, payload);

        var capabilities = Capabilities(all.Host, m.Node);
        Assert.Equal("2", capabilities["intel_nic"]);
        Assert.Equal("1", capabilities["gpu"]);
        Assert.Single(all.Host.NodePatches(m.Node));
    }

    [Fact]
    public async Task Pci_devices_matching_no_alias_add_no_capability()
    {
        var m = await StartedMachineAsync(all.Host);
        var payload = m.Payload();
        payload["pci_devices"] = new JsonArray(Pci("15b3", "1017", "0000:5e:00.0"));
        await ProcessAsync(all.Host, m, payload);
        var capabilities = Capabilities(all.Host, m.Node);
        Assert.DoesNotContain("intel_nic", capabilities.Keys);
        Assert.DoesNotContain("gpu", capabilities.Keys);
    }

    [Fact]
    public async Task Pci_devices_with_ids_of_the_wrong_type_are_not_counted_and_do_not_fail_processing()
    {
        var m = await StartedMachineAsync(all.Host);
        var payload = m.Payload();
        payload["pci_devices"] = new JsonArray(
            new JsonObject { ["vendor_id"] = 8086, ["product_id"] = 1572, ["bus"] = "0000:01:00.0" },
            new JsonObject { ["vendor_id"] = new JsonArray("10de"), ["product_id"] = null },
            "not a device",
            Pci("10de", "1db4", "0000:3b:00.0"));
        await ProcessAsync(all.Host, m, payload);
        var capabilities = Capabilities(all.Host, m.Node);
        Assert.Equal("1", capabilities["gpu"]);
        Assert.DoesNotContain("intel_nic", capabilities.Keys);
    }

    private static JsonObject Pci(string vendor, string product, string bus) =>
        new() { ["vendor_id"] = vendor, ["product_id"] = product, ["class"] = "020000", ["revision"] = "01", ["bus"] = bus };
}
