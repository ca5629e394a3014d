using System.Text.Json.Nodes;
using Inspector.Grains.Configuration;
using Inspector.Grains.Ironic;
using Inspector.Grains.Processing;
using Inspector.Grains.Processing.Hooks;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Inspector.Tests.Unit;

/// <summary>The optional processing hooks, driven directly through a <see cref="ProcessingContext"/>.</summary>
public sealed class OptionalHooksSpecs
{
    private const string NodeUuid = "1a2b3c4d-0000-4000-8000-000000000001";

    // ---- helpers ----

    private static JsonObject Ipa(JsonArray? interfaces = null, JsonArray? disks = null, Action<JsonObject>? more = null)
    {
        var data = new JsonObject
        {
            ["inventory"] = new JsonObject
            {
                ["interfaces"] = interfaces ?? new JsonArray(Nic("eth0", "52:54:00:00:00:01", "192.0.2.10")),
                ["disks"] = disks ?? new JsonArray(),
                ["cpu"] = new JsonObject { ["count"] = 4, ["architecture"] = "x86_64" },
                ["memory"] = new JsonObject { ["physical_mb"] = 8192 },
            },
        };
        more?.Invoke(data);
        return data;
    }

    private static JsonObject Nic(string name, string mac, string? ipv4 = null, string? ipv6 = null) =>
        new() { ["name"] = name, ["mac_address"] = mac, ["ipv4_address"] = ipv4, ["ipv6_address"] = ipv6 };

    private static JsonObject Disk(string name, long sizeGiB, string? serial) =>
        new() { ["name"] = name, ["size"] = sizeGiB << 30, ["serial"] = serial };

    private static IronicNode Node(JsonObject? properties = null, JsonObject? extra = null) => new(new JsonObject
    {
        ["uuid"] = NodeUuid,
        ["provision_state"] = "inspecting",
        ["properties"] = properties ?? new JsonObject(),
        ["extra"] = extra ?? new JsonObject(),
    });

    private static IronicPort Port(string uuid, string mac, string? physnet = null) =>
        new(uuid, mac, NodeUuid, true, [], [], physnet);

    private static ProcessingContext Context(JsonObject data, IronicNode? node = null, IReadOnlyList<IronicPort>? ports = null, bool overwriteExisting = true)
    {
        node ??= Node();
        return new ProcessingContext(NodeUuid, Ramdisk(data))
        {
            Node = node,
            Ports = ports ?? [],
            Update = new NodeUpdate(node, overwriteExisting),
        };
    }

    /// <summary>As posted: parsed from JSON text (RamdiskData's checks expect parsed numbers).</summary>
    private static RamdiskData Ramdisk(JsonObject data) => RamdiskData.FromObject(JsonNode.Parse(data.ToJsonString())!.AsObject());

    private static void AssertJson(string expected, JsonNode? actual) =>
        Assert.Equal(JsonNode.Parse(expected)!.ToJsonString(), actual?.ToJsonString());

    private static string TempFile(string content)
    {
        var path = Path.Combine(Path.GetTempPath(), $"inspector-accelerators-{Guid.NewGuid():N}.yaml");
        File.WriteAllText(path, content);
        return path;
    }

    // ---- extra_hardware ----

    private static ExtraHardwareHook ExtraHardware(bool strict = false) =>
        new(Options.Create(new ExtraHardwareOptions { Strict = strict }), NullLogger<ExtraHardwareHook>.Instance);

    private static ProcessingContext WithExtraData(JsonNode? items) => Context(Ipa(more: d => d["data"] = items));

    [Fact]
    public void Extra_hardware_turns_the_data_items_into_a_nested_extra_object_with_integer_values_and_drops_data()
    {
        var context = WithExtraData(JsonNode.Parse("""
            [["cpu", "logical", "number", "8"],
             ["cpu", "physical", "number", 2],
             ["disk", "sda", "size", "100"],
             ["disk", "sda", "vendor", "ATA"],
             ["memory", "total", "size", "1.5"],
             ["system", "product", "name", "PowerEdge R640"]]
            """));

        ExtraHardware().BeforeUpdate(context);

        AssertJson("""
            {"cpu": {"logical": {"number": 8}, "physical": {"number": 2}},
             "disk": {"sda": {"size": 100, "vendor": "ATA"}},
             "memory": {"total": {"size": "1.5"}},
             "system": {"product": {"name": "PowerEdge R640"}}}
            """, context.Data.Data["extra"]);
        Assert.False(context.Data.Data.ContainsKey("data"));
        Assert.Empty(context.RequireUpdate().NodePatch());
    }

    [Fact]
    public void Extra_hardware_values_become_integers_exactly_where_pythons_int_accepts_them()
    {
        var context = WithExtraData(JsonNode.Parse("""
            [["v", "a", "spaces", " 42 "], ["v", "a", "underscores", "1_000"], ["v", "a", "signed", "-7"],
             ["v", "a", "float", 2.7], ["v", "a", "negative_float", -2.7], ["v", "a", "bool", true],
             ["v", "a", "null", null], ["v", "a", "hex", "0x10"], ["v", "a", "decimal", "2.5"],
             ["v", "a", "double_underscore", "1__0"], ["v", "a", "list", [1]], ["v", "a", "big", "123456789012345678901234567890"]]
            """));

        ExtraHardware().BeforeUpdate(context);

        AssertJson("""
            {"v": {"a": {"spaces": 42, "underscores": 1000, "signed": -7, "float": 2, "negative_float": -2, "bool": 1,
                         "null": null, "hex": "0x10", "decimal": "2.5", "double_underscore": "1__0", "list": [1],
                         "big": 123456789012345678901234567890}}}
            """, context.Data.Data["extra"]);
    }

    [Fact]
    public void Extra_hardware_without_strict_mode_skips_empty_and_short_items_keeping_the_levels_they_named()
    {
        var context = WithExtraData(JsonNode.Parse("""
            [["a", "b", "c", "1"], [], ["x"], ["y", "z"], ["y", "w", "k"], ["l", "m", "n", "5", "ignored"]]
            """));

        ExtraHardware().BeforeUpdate(context);

        AssertJson("""{"a": {"b": {"c": 1}}, "x": {}, "y": {"z": {}, "w": {}}, "l": {"m": {"n": 5}}}""", context.Data.Data["extra"]);
        Assert.False(context.Data.Data.ContainsKey("data"));
    }

    [Fact]
    public void Extra_hardware_keys_that_are_not_strings_become_their_json_text()
    {
        var context = WithExtraData(JsonNode.Parse("""[[1, true, null, "x"]]"""));

        ExtraHardware().BeforeUpdate(context);

        AssertJson("""{"1": {"true": {"null": "x"}}}""", context.Data.Data["extra"]);
    }

    [Fact]
    public void Extra_hardware_in_strict_mode_refuses_any_item_that_is_not_four_long_and_drops_the_data()
    {
        var context = WithExtraData(JsonNode.Parse("""[["a", "b", "c", "1"], ["a", "b", "c"]]"""));

        ExtraHardware(strict: true).BeforeUpdate(context);

        Assert.False(context.Data.Data.ContainsKey("extra"));
        Assert.False(context.Data.Data.ContainsKey("data"));
    }

    [Fact]
    public void Extra_hardware_in_strict_mode_converts_well_formed_data()
    {
        var context = WithExtraData(JsonNode.Parse("""[["a", "b", "c", "1"], ["a", "b", "d", "x"]]"""));

        ExtraHardware(strict: true).BeforeUpdate(context);

        AssertJson("""{"a": {"b": {"c": 1, "d": "x"}}}""", context.Data.Data["extra"]);
        Assert.False(context.Data.Data.ContainsKey("data"));
    }

    [Theory]
    [InlineData("""[["a", "b", "c", "d"], "not a list"]""")]
    [InlineData("""{"a": "b"}""")]
    [InlineData("\"text\"")]
    [InlineData("null")]
    public void Extra_hardware_keeps_data_that_is_not_a_list_of_lists_unless_strict(string data)
    {
        var lenient = WithExtraData(JsonNode.Parse(data));
        ExtraHardware().BeforeUpdate(lenient);
        Assert.False(lenient.Data.Data.ContainsKey("extra"));
        Assert.True(lenient.Data.Data.ContainsKey("data"));

        var strict = WithExtraData(JsonNode.Parse(data));
        ExtraHardware(strict: true).BeforeUpdate(strict);
        Assert.False(strict.Data.Data.ContainsKey("extra"));
        Assert.False(strict.Data.Data.ContainsKey("data"));
    }

    [Fact]
    public void Extra_hardware_does_nothing_without_data()
    {
        var context = Context(Ipa());
        var before = context.Data.Data.ToJsonString();

        ExtraHardware(strict: true).BeforeUpdate(context);

        Assert.Equal(before, context.Data.Data.ToJsonString());
    }

    [Fact]
    public void Extra_hardware_fails_processing_on_a_list_or_object_used_as_a_key_as_the_reference_does()
    {
        var context = WithExtraData(JsonNode.Parse("""[[["a"], "b", "c", "d"]]"""));

        var error = Assert.Throws<ProcessingException>(() => ExtraHardware().BeforeUpdate(context));
        Assert.Contains("unhashable type: 'list'", error.Message, StringComparison.Ordinal);
    }

    // ---- physnet_cidr_map ----

    private static PhysnetCidrMapHook Physnet(bool overwriteExisting = true, params string[] map) =>
        new(Options.Create(new PortPhysnetOptions { CidrMap = map }),
            Options.Create(new ProcessingOptions { OverwriteExisting = overwriteExisting }),
            NullLogger<PhysnetCidrMapHook>.Instance);

    private static readonly string[] SampleMap = ["10.10.10.0/24:physnet_a", "2001:db8::/64:physnet_b"];

    /// <summary>IPA data with eth0..eth3, all of them but eth3 in all_interfaces (as validate_interfaces leaves it).</summary>
    private static JsonObject PhysnetData()
    {
        var data = Ipa(new JsonArray(
            Nic("eth0", "52:54:00:00:00:01", "10.10.10.5"),
            Nic("eth1", "52:54:00:00:00:02", null, "2001:db8::5"),
            Nic("eth2", "52:54:00:00:00:03", "192.168.1.5", "2001:db8::6"),
            Nic("eth3", "52:54:00:00:00:04", "10.10.10.6")));
        data["all_interfaces"] = new JsonObject
        {
            ["eth0"] = new JsonObject { ["mac"] = "52:54:00:00:00:01" },
            ["eth1"] = new JsonObject { ["mac"] = "52:54:00:00:00:02" },
            ["eth2"] = new JsonObject { ["mac"] = "52:54:00:00:00:03" },
        };
        return data;
    }

    private static IronicPort[] PhysnetPorts(string? eth1Physnet = "old") =>
    [
        Port("port-0", "52:54:00:00:00:01"),
        Port("port-1", "52:54:00:00:00:02", eth1Physnet),
        Port("port-2", "52:54:00:00:00:03"),
        Port("port-3", "52:54:00:00:00:04"),
    ];

    [Fact]
    public void Physnet_cidr_map_patches_existing_ports_by_the_ipv4_or_ipv6_subnet_of_their_nic()
    {
        var context = Context(PhysnetData(), ports: PhysnetPorts());

        Physnet(map: SampleMap).BeforeUpdate(context);

        var update = context.RequireUpdate();
        Assert.Equal(["port-0", "port-1"], update.PortPatches.Select(p => p.PortUuid));
        AssertJson("""[{"op": "add", "path": "/physical_network", "value": "physnet_a"}]""", update.PortPatches[0].Patch);
        AssertJson("""[{"op": "add", "path": "/physical_network", "value": "physnet_b"}]""", update.PortPatches[1].Patch);
        Assert.Empty(update.NodePatch());
        Assert.Empty(update.PortsToCreate);
    }

    [Fact]
    public void Physnet_cidr_map_only_looks_at_the_first_valid_address_of_a_nic_ipv4_before_ipv6()
    {
        // eth2's IPv4 address is in no mapped subnet; its IPv6 one is, but the reference never looks at it.
        var context = Context(PhysnetData(), ports: PhysnetPorts());

        Physnet(map: SampleMap).BeforeUpdate(context);

        Assert.DoesNotContain(context.RequireUpdate().PortPatches, p => p.PortUuid == "port-2");
    }

    [Fact]
    public void Physnet_cidr_map_falls_back_to_ipv6_when_the_ipv4_address_is_invalid()
    {
        var data = Ipa(new JsonArray(Nic("eth0", "52:54:00:00:00:01", "10.10.10.05", "2001:db8::7")));
        data["all_interfaces"] = new JsonObject { ["eth0"] = new JsonObject() };
        var context = Context(data, ports: [Port("port-0", "52:54:00:00:00:01")]);

        Physnet(map: SampleMap).BeforeUpdate(context);

        var (port, patch) = Assert.Single(context.RequireUpdate().PortPatches);
        Assert.Equal("port-0", port);
        Assert.Equal("physnet_b", (string?)patch[0]!["value"]);
    }

    [Fact]
    public void Physnet_cidr_map_leaves_ports_alone_that_have_the_network_already_or_whose_nic_is_not_in_all_interfaces()
    {
        var context = Context(PhysnetData(), ports: PhysnetPorts(eth1Physnet: "physnet_b"));

        Physnet(map: SampleMap).BeforeUpdate(context);

        Assert.Equal(["port-0"], context.RequireUpdate().PortPatches.Select(p => p.PortUuid));
    }

    [Fact]
    public void Physnet_cidr_map_sets_the_network_of_ports_created_in_the_same_run()
    {
        var context = Context(PhysnetData(), ports: [Port("port-1", "52:54:00:00:00:02", "physnet_b")]);
        var update = context.RequireUpdate();
        update.PortsToCreate.Add(new PortToCreate("52:54:00:00:00:01", true, []));
        update.PortsToCreate.Add(new PortToCreate("52:54:00:00:00:03", false, []));

        Physnet(map: SampleMap).BeforeUpdate(context);

        Assert.Equal("physnet_a", update.PortsToCreate[0].PhysicalNetwork);
        Assert.Null(update.PortsToCreate[1].PhysicalNetwork);
        Assert.Equal("physnet_a", (string?)update.PortsToCreate[0].ToJson()["physical_network"]);
        Assert.Empty(update.PortPatches);
    }

    [Fact]
    public void Physnet_cidr_map_changes_nothing_without_overwrite_existing()
    {
        var context = Context(PhysnetData(), ports: PhysnetPorts(eth1Physnet: null), overwriteExisting: false);
        context.RequireUpdate().PortsToCreate.Add(new PortToCreate("52:54:00:00:00:01", true, []));

        Physnet(overwriteExisting: false, map: SampleMap).BeforeUpdate(context);

        Assert.Empty(context.RequireUpdate().PortPatches);
        Assert.Null(context.RequireUpdate().PortsToCreate[0].PhysicalNetwork);
    }

    [Fact]
    public void Physnet_cidr_map_skips_ports_this_run_deletes()
    {
        var context = Context(PhysnetData(), ports: PhysnetPorts());
        context.RequireUpdate().PortsToDelete.Add("port-0");

        Physnet(map: SampleMap).BeforeUpdate(context);

        Assert.Equal(["port-1"], context.RequireUpdate().PortPatches.Select(p => p.PortUuid));
    }

    [Fact]
    public void Physnet_cidr_map_takes_the_first_subnet_in_configured_order_and_the_last_physnet_of_a_repeated_subnet()
    {
        var first = Context(PhysnetData(), ports: PhysnetPorts());
        Physnet(map: ["10.0.0.0/8:wide", "10.10.10.0/24:narrow"]).BeforeUpdate(first);
        Assert.Equal("wide", (string?)first.RequireUpdate().PortPatches.Single(p => p.PortUuid == "port-0").Patch[0]!["value"]);

        var repeated = Context(PhysnetData(), ports: PhysnetPorts());
        Physnet(map: ["10.10.10.0/24:first", "192.168.0.0/16:other", "10.10.10.0/255.255.255.0:second"]).BeforeUpdate(repeated);
        Assert.Equal("second", (string?)repeated.RequireUpdate().PortPatches.Single(p => p.PortUuid == "port-0").Patch[0]!["value"]);
    }

    [Fact]
    public void Physnet_cidr_map_does_nothing_with_an_empty_map()
    {
        var context = Context(PhysnetData(), ports: PhysnetPorts());

        Physnet().BeforeUpdate(context);

        Assert.True(context.RequireUpdate().IsEmpty);
    }

    [Theory]
    [InlineData("10.10.10.1/24:physnet_a")] // host bits set: Python's ip_network is strict
    [InlineData("10.10.10.0/24")] // no physnet
    [InlineData("10.10.10.0/33:physnet_a")]
    [InlineData("not-a-network:physnet_a")]
    [InlineData("010.10.10.0/24:physnet_a")]
    public void Physnet_cidr_map_refuses_an_invalid_map_at_start_up(string item)
    {
        var error = Assert.Throws<InvalidConfigurationException>(() => Physnet(map: [item]));
        Assert.Contains("[port_physnet] cidr_map", error.Message, StringComparison.Ordinal);
    }

    // ---- raid_device ----

    private static RaidDeviceHook Raid() => new(NullLogger<RaidDeviceHook>.Instance);

    private static JsonArray Disks(params string?[] serials) =>
        new([.. serials.Select((s, i) => (JsonNode?)Disk($"/dev/sd{(char)('a' + i)}", 100 + (10 * i), s))]);

    [Theory]
    [InlineData(null)]
    [InlineData(0)]
    public void Raid_device_fakes_local_gb_of_1_before_processing_when_there_is_no_volume(int? localGb)
    {
        var data = Ipa(more: d => d["local_gb"] = localGb);
        var context = new ProcessingContext(NodeUuid, Ramdisk(data));

        Raid().BeforeProcessing(context);

        Assert.Equal(1, (int)context.Data.Data["local_gb"]!);
    }

    [Fact]
    public void Raid_device_keeps_a_real_local_gb()
    {
        var context = new ProcessingContext(NodeUuid, Ramdisk(Ipa(more: d => d["local_gb"] = 99)));

        Raid().BeforeProcessing(context);

        Assert.Equal(99, (int)context.Data.Data["local_gb"]!);
    }

    [Fact]
    public void Raid_device_remembers_the_serials_of_the_disks_on_the_first_run()
    {
        var context = Context(Ipa(disks: Disks("S1", null, "S2", "")));

        Raid().BeforeUpdate(context);

        AssertJson("""[{"op": "add", "path": "/extra/block_devices", "value": {"serials": ["S1", "S2"]}}]""", context.RequireUpdate().NodePatch());
    }

    [Fact]
    public void Raid_device_makes_the_one_new_disk_the_root_device_and_forgets_the_serials_on_the_second_run()
    {
        var node = Node(extra: new JsonObject { ["block_devices"] = new JsonObject { ["serials"] = new JsonArray("S1", "S2") } });
        var context = Context(Ipa(disks: Disks("S1", "S2", "RAID-1")), node);

        Raid().BeforeUpdate(context);

        AssertJson("""
            [{"op": "remove", "path": "/extra/block_devices"},
             {"op": "add", "path": "/properties/root_device", "value": {"serial": "RAID-1"}}]
            """, context.RequireUpdate().NodePatch());
    }

    [Fact]
    public void Raid_device_lets_a_later_root_disk_selection_pick_the_new_disk_as_the_reference_does()
    {
        var node = Node(extra: new JsonObject { ["block_devices"] = new JsonObject { ["serials"] = new JsonArray("S1", "S2") } });
        var context = Context(Ipa(disks: Disks("S1", "S2", "RAID-1")), node);

        Raid().BeforeUpdate(context);
        new RootDiskSelectionHook(Options.Create(new ProcessingOptions())).BeforeUpdate(context);

        Assert.Equal("RAID-1", (string?)context.Data.Data["root_disk"]!["serial"]);
        Assert.Equal(119, (long)context.Data.Data["local_gb"]!);
        Assert.Equal("""{"serial":"RAID-1"}""", node.Properties["root_device"]!.ToJsonString());
        Assert.False(((JsonObject)node.Document["extra"]!).ContainsKey("block_devices"));
    }

    [Theory]
    [InlineData("S3", "S4")] // several new disks: which one is the root is unknown
    [InlineData()] // no new disk
    public void Raid_device_changes_nothing_unless_exactly_one_disk_is_new(params string[] added)
    {
        var node = Node(extra: new JsonObject { ["block_devices"] = new JsonObject { ["serials"] = new JsonArray("S1", "S2") } });
        var context = Context(Ipa(disks: Disks(["S1", "S2", .. added])), node);

        Raid().BeforeUpdate(context);

        Assert.True(context.RequireUpdate().IsEmpty);
    }

    [Fact]
    public void Raid_device_changes_nothing_when_the_root_device_is_already_known()
    {
        var node = Node(properties: new JsonObject { ["root_device"] = new JsonObject { ["name"] = "/dev/sda" } });
        var context = Context(Ipa(disks: Disks("S1")), node);

        Raid().BeforeUpdate(context);

        Assert.True(context.RequireUpdate().IsEmpty);
    }

    [Fact]
    public void Raid_device_changes_nothing_without_disk_serials()
    {
        var context = Context(Ipa(disks: Disks(null, "")));

        Raid().BeforeUpdate(context);

        Assert.True(context.RequireUpdate().IsEmpty);
    }

    [Fact]
    public void Raid_device_reads_the_serials_of_the_flat_format_from_block_devices()
    {
        var flat = new JsonObject
        {
            ["cpus"] = 2, ["cpu_arch"] = "x86_64", ["memory_mb"] = 1024, ["local_gb"] = 20,
            ["interfaces"] = new JsonObject { ["eth0"] = new JsonObject { ["mac"] = "52:54:00:00:00:01", ["ip"] = "192.0.2.10" } },
            ["block_devices"] = new JsonObject { ["serials"] = new JsonArray("F1", "F2") },
        };
        var context = Context(flat);

        Raid().BeforeUpdate(context);

        AssertJson("""[{"op": "add", "path": "/extra/block_devices", "value": {"serials": ["F1", "F2"]}}]""", context.RequireUpdate().NodePatch());
    }

    // ---- accelerators ----

    private static AcceleratorsHook Accelerators(string knownDevices = "") =>
        new(Options.Create(new AcceleratorsOptions { KnownDevices = knownDevices }), NullLogger<AcceleratorsHook>.Instance);

    private static JsonObject PciDevice(string vendor, string product, string bus) =>
        new() { ["vendor_id"] = vendor, ["product_id"] = product, ["class"] = "030000", ["revision"] = "a1", ["bus"] = bus };

    private static ProcessingContext WithPciDevices(JsonNode? devices, IronicNode? node = null, bool overwriteExisting = true) =>
        Context(Ipa(more: d => d["pci_devices"] = devices), node, overwriteExisting: overwriteExisting);

    [Fact]
    public void Accelerators_sets_the_known_devices_found_with_their_pci_address_as_a_node_property()
    {
        var context = WithPciDevices(new JsonArray(
            PciDevice("8086", "1572", "0000:18:00.0"),
            PciDevice("10de", "1eb8", "0000:82:00.0"),
            PciDevice("10de", "1df6", "0000:83:00.0")));

        Accelerators().BeforeUpdate(context);

        AssertJson("""
            [{"op": "add", "path": "/properties/accelerators", "value": [
              {"vendor_id": "10de", "device_id": "1eb8", "type": "GPU", "device_info": "NVIDIA Corporation Tesla T4",
               "pci_address": "0000:82:00.0"},
              {"vendor_id": "10de", "device_id": "1df6", "type": "GPU", "device_info": "NVIDIA Corporation GV100GL",
               "pci_address": "0000:83:00.0"}]}]
            """, context.RequireUpdate().NodePatch());
    }

    [Fact]
    public void Accelerators_replaces_the_property_even_without_overwrite_existing_as_the_reference_does()
    {
        var node = Node(properties: new JsonObject { ["accelerators"] = new JsonArray() });
        var context = WithPciDevices(new JsonArray(PciDevice("10de", "1eb8", "0000:82:00.0")), node, overwriteExisting: false);

        Accelerators().BeforeUpdate(context);

        var operation = Assert.Single(context.RequireUpdate().NodePatch());
        Assert.Equal("/properties/accelerators", (string?)operation!["path"]);
    }

    [Theory]
    [InlineData("null")]
    [InlineData("[]")]
    [InlineData("""[{"vendor_id": "8086", "product_id": "1572", "bus": "0000:18:00.0"}]""")]
    public void Accelerators_changes_nothing_without_pci_devices_or_without_a_known_one(string devices)
    {
        var context = WithPciDevices(JsonNode.Parse(devices));

        Accelerators().BeforeUpdate(context);

        Assert.True(context.RequireUpdate().IsEmpty);
    }

    [Fact]
    public void Accelerators_reads_known_devices_from_a_yaml_file_where_unquoted_numbers_are_numbers()
    {
        var path = TempFile("""
            # Accelerators of our racks
            ---
            pci_devices:
              - vendor_id: '10ee'   # Xilinx
                device_id: "5000"
                type: FPGA
                device_info: Xilinx Alveo U200
                remote: no
              - vendor_id: 8086     # a number in YAML: never equal to the ramdisk's "8086"
                device_id: 0b30
                type: FPGA
            """);
        try
        {
            var context = WithPciDevices(new JsonArray(
                PciDevice("10ee", "5000", "0000:3b:00.0"),
                PciDevice("8086", "0b30", "0000:5e:00.0")));

            Accelerators(path).BeforeUpdate(context);

            AssertJson("""
                [{"vendor_id": "10ee", "device_id": "5000", "type": "FPGA", "device_info": "Xilinx Alveo U200",
                  "remote": false, "pci_address": "0000:3b:00.0"}]
                """, context.RequireUpdate().NodePatch()[0]!["value"]);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Accelerators_copies_nested_yaml_entries_with_pyyaml_types()
    {
        var path = TempFile("""
            pci_devices:
            - vendor_id: "10de"
              device_id: "2236"
              'type': "GPU \u0041"
              details:
                memory_gb: 24
                flags: 0x1F
                sizes:
                  - 1_000
                  - ~
                  - 1.5
                  - -0o7
                  - it's
                empty:
            """);
        try
        {
            var context = WithPciDevices(new JsonArray(PciDevice("10de", "2236", "0000:17:00.0")));

            Accelerators(path).BeforeUpdate(context);

            AssertJson("""
                [{"vendor_id": "10de", "device_id": "2236", "type": "GPU A",
                  "details": {"memory_gb": 24, "flags": 31, "sizes": [1000, null, 1.5, "-0o7", "it's"], "empty": null},
                  "pci_address": "0000:17:00.0"}]
                """, context.RequireUpdate().NodePatch()[0]!["value"]);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Accelerators_reads_known_devices_from_a_json_file()
    {
        var path = TempFile("""{"pci_devices": [{"vendor_id": "1af4", "device_id": "1041", "type": "NIC"}]}""");
        try
        {
            var context = WithPciDevices(new JsonArray(PciDevice("1af4", "1041", "0000:00:03.0")));

            Accelerators(path).BeforeUpdate(context);

            AssertJson("""[{"vendor_id": "1af4", "device_id": "1041", "type": "NIC", "pci_address": "0000:00:03.0"}]""",
                context.RequireUpdate().NodePatch()[0]!["value"]);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Theory]
    [InlineData("devices: []", "could not find pci_devices")]
    [InlineData("", "could not find pci_devices")]
    [InlineData("pci_devices: 1", "should contain a list of devices")]
    [InlineData("pci_devices:\n  - vendor_id: '10de'\n    type: GPU", "missing vendor_id or device_id")]
    [InlineData("pci_devices:\n  - vendor_id: &id '10de'\n    device_id: *id", "cannot parse")]
    [InlineData("pci_devices:\n  - device_info: |\n      multi\n      line", "cannot parse")]
    public void Accelerators_refuses_an_unusable_known_devices_file_at_start_up(string content, string reason)
    {
        var path = TempFile(content);
        try
        {
            var error = Assert.Throws<InvalidConfigurationException>(() => Accelerators(path));
            Assert.Contains("[accelerators] known_devices", error.Message, StringComparison.Ordinal);
            Assert.Contains(reason, error.Message, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Accelerators_refuses_a_missing_known_devices_file_at_start_up()
    {
        var missing = Path.Combine(Path.GetTempPath(), $"inspector-missing-{Guid.NewGuid():N}.yaml");

        var error = Assert.Throws<InvalidConfigurationException>(() => Accelerators(missing));
        Assert.Contains("cannot read the file", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Accelerators_fails_processing_on_a_known_device_reported_without_its_bus()
    {
        var device = PciDevice("10de", "1eb8", "0000:82:00.0");
        device.Remove("bus");
        var context = WithPciDevices(new JsonArray(device));

        Assert.Throws<ProcessingException>(() => Accelerators().BeforeUpdate(context));
    }

    // ---- registration ----

    [Theory]
    [InlineData("extra_hardware", typeof(ExtraHardwareHook))]
    [InlineData("physnet_cidr_map", typeof(PhysnetCidrMapHook))]
    [InlineData("raid_device", typeof(RaidDeviceHook))]
    [InlineData("accelerators", typeof(AcceleratorsHook))]
    public void The_optional_hooks_are_known_by_their_reference_names(string name, Type type)
    {
        Assert.Equal(type, ProcessingPipeline.KnownHooks[name]);
        Assert.Contains(typeof(AcceleratorsOptions), OptionsLoader.KnownSections);
    }
}
