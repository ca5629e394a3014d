using System.Text;
using System.Text.Json.Nodes;
using Inspector.Grains.Processing;

namespace Inspector.Tests.Unit;

public sealed class LldpSpecs
{
    // ---- TLV value builders (hex strings as ironic-python-agent reports them) ----

    private static string Hex(params byte[] bytes) => Convert.ToHexStringLower(bytes);

    private static string Text(string value) => Convert.ToHexStringLower(Encoding.UTF8.GetBytes(value));

    private static string U16(int value) => Hex((byte)(value >> 8), (byte)value);

    private static string ChassisMac(string mac) => "04" + mac.Replace(":", "", StringComparison.Ordinal);

    private static string PortName(string name) => "05" + Text(name);

    private static string PortMac(string mac) => "03" + mac.Replace(":", "", StringComparison.Ordinal);

    private static string Dot1(int subtype, string payload) => "0080c2" + Hex((byte)subtype) + payload;

    private static string Dot3(int subtype, string payload) => "00120f" + Hex((byte)subtype) + payload;

    private static string VlanName(int id, string name) =>
        Dot1(3, U16(id) + Hex((byte)Encoding.UTF8.GetByteCount(name)) + Text(name));

    // Management address TLV: address string length, IANA family, address, then interface numbering
    // (subtype 2 = ifIndex, index 0) and an empty OID, as switches send it.
    private static string ManagementAddress(int family, string addressHex) =>
        Hex((byte)(addressHex.Length / 2 + 1), (byte)family) + addressHex + "02" + "00000000" + "00";

    private static JsonArray Tlvs(params (int Type, string Value)[] tlvs) =>
        new(tlvs.Select(t => (JsonNode?)new JsonArray(t.Type, t.Value)).ToArray());

    private static JsonArray LeafSwitchTlvs => Tlvs(
        (1, ChassisMac("88:5a:92:ec:54:59")),
        (2, PortName("Ethernet1/18")),
        (3, "0078"),
        (4, Text("uplink to rack 12")),
        (5, Text("leaf-r12-a.example.net")),
        (6, Text("Arista Networks EOS version 4.28.3M running on an Arista Networks DCS-7050SX3")),
        (7, "0014" + "0004"),
        (8, ManagementAddress(1, "0a141e28")),
        (8, ManagementAddress(2, "20010db8000000000000000000000010")),
        (127, Dot1(1, U16(100))),
        (127, VlanName(100, "provisioning")),
        (127, VlanName(200, "tenant-a")),
        (127, Dot3(1, "03" + "0c01" + U16(30))),
        (127, Dot1(7, "03" + "000003e8")),
        (127, Dot3(4, U16(9216))),
        (0, ""));

    private static (JsonObject Result, List<string> Warnings) Process(JsonArray tlvs)
    {
        var warnings = new List<string>();
        return (Lldp.Process(tlvs, warnings.Add), warnings);
    }

    private static (JsonObject Result, List<string> Warnings) LocalLinkConnection(JsonArray tlvs)
    {
        var warnings = new List<string>();
        return (Lldp.LocalLinkConnection(tlvs, warnings.Add), warnings);
    }

    private static void AssertJson(string expected, JsonNode actual) =>
        Assert.Equal(JsonNode.Parse(expected)!.ToJsonString(), actual.ToJsonString());

    // ---- lldp_processed ----

    [Fact]
    public void A_typical_leaf_switch_advertisement_is_decoded_with_the_reference_names_and_formats()
    {
        var (result, warnings) = Process(LeafSwitchTlvs);

        Assert.Empty(warnings);
        AssertJson("""
            {
              "switch_chassis_id": "88:5a:92:ec:54:59",
              "switch_port_id": "Ethernet1/18",
              "switch_port_description": "uplink to rack 12",
              "switch_system_name": "leaf-r12-a.example.net",
              "switch_system_description": "Arista Networks EOS version 4.28.3M running on an Arista Networks DCS-7050SX3",
              "switch_capabilities_support": ["Bridge", "Router"],
              "switch_capabilities_enabled": ["Bridge"],
              "switch_mgmt_addresses": ["10.20.30.40", "2001:db8::10"],
              "switch_port_untagged_vlan_id": 100,
              "switch_port_vlans": [{"name": "provisioning", "id": 100}, {"name": "tenant-a", "id": 200}],
              "switch_port_autonegotiation_enabled": true,
              "switch_port_autonegotiation_support": true,
              "switch_port_physical_capabilities": ["1000BASE-T fdx", "100BASE-TX fdx", "100BASE-TX hdx"],
              "switch_port_mau_type": "1000BASE-T full duplex",
              "switch_port_link_aggregation_enabled": true,
              "switch_port_link_aggregation_support": true,
              "switch_port_link_aggregation_id": 1000,
              "switch_port_mtu": 9216
            }
            """, result);
    }

    [Fact]
    public void The_example_from_ironic_python_agent_yields_chassis_mac_and_interface_name()
    {
        var (result, warnings) = Process(JsonNode.Parse("""
            [[1, "04885a92ec5459"], [2, "0545746865726e6574312f3138"], [3, "0078"]]
            """)!.AsArray());

        Assert.Empty(warnings);
        AssertJson("""{"switch_chassis_id": "88:5a:92:ec:54:59", "switch_port_id": "Ethernet1/18"}""", result);
    }

    [Fact]
    public void Hex_values_are_accepted_in_upper_case_and_macs_come_out_lower_case()
    {
        var (result, _) = Process(Tlvs((1, "04885A92EC5459"), (2, "03AABBCCDDEEFF")));

        Assert.Equal("88:5a:92:ec:54:59", (string?)result["switch_chassis_id"]);
        Assert.Equal("aa:bb:cc:dd:ee:ff", (string?)result["switch_port_id"]);
    }

    [Theory]
    [InlineData("01" + "6c6330", "lc0")]             // chassis component
    [InlineData("02" + "7377302d6d676d74", "sw0-mgmt")] // interface alias
    [InlineData("05" + "01c000020f", "192.0.2.15")]    // network address, IPv4
    [InlineData("05" + "06aabbccddeeff", "aa:bb:cc:dd:ee:ff")] // network address, MAC family
    [InlineData("06" + "6574683030", "eth00")]         // interface name
    [InlineData("07" + "73773031", "sw01")]            // locally assigned
    public void Every_chassis_id_subtype_is_recorded_as_a_string(string value, string expected)
    {
        var (result, warnings) = Process(Tlvs((1, value)));

        Assert.Empty(warnings);
        Assert.Equal(expected, (string?)result["switch_chassis_id"]);
    }

    [Theory]
    [InlineData("01" + "75706c696e6b", "uplink")]    // interface alias
    [InlineData("02" + "706f727431", "port1")]       // port component
    [InlineData("03" + "885a92ec5458", "88:5a:92:ec:54:58")] // MAC address
    [InlineData("04" + "01c0000201", "192.0.2.1")]   // network address
    [InlineData("05" + "78652d302f302f31", "xe-0/0/1")] // interface name
    [InlineData("07" + "373334", "734")]             // locally assigned
    public void Every_port_id_subtype_the_reference_knows_is_recorded_as_a_string(string value, string expected)
    {
        var (result, warnings) = Process(Tlvs((1, ChassisMac("00:11:22:33:44:55")), (2, value)));

        Assert.Empty(warnings);
        Assert.Equal(expected, (string?)result["switch_port_id"]);
    }

    [Fact]
    public void A_chassis_network_address_of_unknown_family_is_recorded_as_null_and_kept()
    {
        var (result, warnings) = Process(Tlvs((1, "05" + "07c000020f"), (1, ChassisMac("00:11:22:33:44:55"))));

        Assert.Empty(warnings);
        Assert.True(result.ContainsKey("switch_chassis_id"));
        Assert.Null(result["switch_chassis_id"]);
    }

    [Fact]
    public void The_first_occurrence_of_a_single_valued_tlv_wins()
    {
        var (result, _) = Process(Tlvs(
            (1, ChassisMac("11:22:33:aa:bb:cc")),
            (1, ChassisMac("33:22:11:dd:ee:ff")),
            (2, "07373334"),
            (2, "07373435"),
            (127, Dot3(4, U16(1500))),
            (127, Dot3(4, U16(9000)))));

        Assert.Equal("11:22:33:aa:bb:cc", (string?)result["switch_chassis_id"]);
        Assert.Equal("734", (string?)result["switch_port_id"]);
        Assert.Equal(1500, (int)result["switch_port_mtu"]!);
    }

    [Fact]
    public void Management_addresses_accumulate_in_order_across_families()
    {
        var (result, warnings) = Process(Tlvs(
            (1, ChassisMac("00:11:22:33:44:55")),
            (8, ManagementAddress(1, "c000020f")),
            (8, ManagementAddress(2, "20010db885a3000000008a2e03707334")),
            (8, ManagementAddress(6, "aa11bb22cc33")),
            (8, ManagementAddress(2, "00000000000000000000ffffc0000201")),
            (8, ManagementAddress(3, "0102"))));

        Assert.Empty(warnings);
        AssertJson("""["192.0.2.15", "2001:db8:85a3::8a2e:370:7334", "aa:11:bb:22:cc:33", "::ffff:192.0.2.1"]""",
            result["switch_mgmt_addresses"]!);
    }

    [Fact]
    public void An_ipv6_address_that_fits_in_32_bits_is_written_as_ipv4_like_netaddr_does()
    {
        var (result, _) = Process(Tlvs(
            (1, ChassisMac("00:11:22:33:44:55")),
            (8, ManagementAddress(2, "00000000000000000000000000000001"))));

        AssertJson("""["0.0.0.1"]""", result["switch_mgmt_addresses"]!);
    }

    [Theory]
    [InlineData("00000000", "[]", "[]")]
    [InlineData("07fe07fe", """["Repeater","Bridge","WLAN","Router","Telephone","DOCSIS cable device","Station only","C-Vlan","S-Vlan","TPMR"]""",
        """["Repeater","Bridge","WLAN","Router","Telephone","DOCSIS cable device","Station only","C-Vlan","S-Vlan","TPMR"]""")]
    [InlineData("00010080", "[]", """["Station only"]""")]
    public void System_capabilities_list_the_named_bits_and_ignore_other(string value, string support, string enabled)
    {
        var (result, _) = Process(Tlvs((1, ChassisMac("00:11:22:33:44:55")), (7, value)));

        AssertJson(support, result["switch_capabilities_support"]!);
        AssertJson(enabled, result["switch_capabilities_enabled"]!);
    }

    [Fact]
    public void Port_and_protocol_vlans_record_the_first_flags_and_every_vlan_id()
    {
        var (result, warnings) = Process(Tlvs(
            (1, ChassisMac("00:11:22:33:44:55")),
            (127, Dot1(2, "06" + U16(10))),
            (127, Dot1(2, "02" + U16(20)))));

        Assert.Empty(warnings);
        Assert.True((bool)result["switch_port_protocol_vlan_enabled"]!);
        Assert.True((bool)result["switch_port_protocol_vlan_support"]!);
        AssertJson("[10, 20]", result["switch_port_protocol_vlan_ids"]!);
    }

    [Fact]
    public void Protocol_identities_and_the_management_vlan_are_recorded()
    {
        var (result, _) = Process(Tlvs(
            (1, ChassisMac("00:11:22:33:44:55")),
            (127, Dot1(4, "08" + "0026424203000000")),
            (127, Dot1(6, U16(88)))));

        AssertJson("""["0026424203000000"]""", result["switch_protocol_identities"]!);
        Assert.Equal(88, (int)result["switch_port_management_vlan_id"]!);
    }

    [Fact]
    public void Vlan_names_lose_their_nul_padding_and_may_be_empty()
    {
        var (result, _) = Process(Tlvs(
            (1, ChassisMac("00:11:22:33:44:55")),
            (127, Dot1(3, U16(101) + "06" + Text("v101") + "0000")),
            (127, Dot1(3, U16(102) + "00"))));

        AssertJson("""[{"name": "v101", "id": 101}, {"name": "", "id": 102}]""", result["switch_port_vlans"]!);
    }

    [Fact]
    public void The_deprecated_802_3_link_aggregation_tlv_fills_the_same_fields()
    {
        var (result, _) = Process(Tlvs((1, ChassisMac("00:11:22:33:44:55")), (127, Dot3(3, "01" + "00000002"))));

        Assert.False((bool)result["switch_port_link_aggregation_enabled"]!);
        Assert.True((bool)result["switch_port_link_aggregation_support"]!);
        Assert.Equal(2, (long)result["switch_port_link_aggregation_id"]!);
    }

    [Fact]
    public void Physical_capabilities_are_sorted_and_report_10base_t_fdx_from_the_half_duplex_bit()
    {
        var (halfDuplexOnly, _) = Process(Tlvs((1, ChassisMac("00:11:22:33:44:55")), (127, Dot3(1, "01" + "4000" + U16(10)))));
        var (fullDuplexOnly, _) = Process(Tlvs((1, ChassisMac("00:11:22:33:44:55")), (127, Dot3(1, "01" + "2000" + U16(11)))));

        AssertJson("""["10BASE-T fdx", "10BASE-T hdx"]""", halfDuplexOnly["switch_port_physical_capabilities"]!);
        Assert.False((bool)halfDuplexOnly["switch_port_autonegotiation_enabled"]!);
        Assert.Equal("10BASE-T half duplex", (string?)halfDuplexOnly["switch_port_mau_type"]);
        AssertJson("[]", fullDuplexOnly["switch_port_physical_capabilities"]!);
    }

    [Fact]
    public void Empty_descriptions_and_names_are_recorded_as_empty_strings()
    {
        var (result, warnings) = Process(Tlvs((4, ""), (5, ""), (6, "")));

        Assert.Empty(warnings);
        AssertJson("""{"switch_port_description": "", "switch_system_name": "", "switch_system_description": ""}""", result);
    }

    [Fact]
    public void Organizationally_specific_tlvs_before_any_recorded_value_are_dropped_as_in_the_reference()
    {
        var (result, warnings) = Process(Tlvs(
            (3, "0078"),
            (127, Dot3(4, U16(9216))),
            (1, ChassisMac("00:11:22:33:44:55")),
            (127, Dot1(1, U16(100)))));

        Assert.Empty(warnings);
        AssertJson("""{"switch_chassis_id": "00:11:22:33:44:55", "switch_port_untagged_vlan_id": 100}""", result);
    }

    [Fact]
    public void Unknown_tlv_types_and_subtypes_are_ignored_silently()
    {
        var (result, warnings) = Process(Tlvs(
            (1, ChassisMac("00:11:22:33:44:55")),
            (10, "04112233aabbcc"),
            (128, "00120f080300010000"),
            (127, Dot1(5, "0102")),
            (127, Dot3(2, "0102")),
            (3, "")));

        Assert.Empty(warnings);
        AssertJson("""{"switch_chassis_id": "00:11:22:33:44:55"}""", result);
    }

    [Fact]
    public void Organizationally_specific_tlvs_of_other_vendors_are_warned_about()
    {
        var (result, warnings) = Process(Tlvs(
            (1, ChassisMac("00:11:22:33:44:55")),
            (127, "00906901425030323134323530393236")));

        Assert.Contains("009069", Assert.Single(warnings), StringComparison.Ordinal);
        Assert.Single(result);
    }

    [Theory]
    [InlineData(1, "04885a92ec545")]        // odd number of hex digits
    [InlineData(2, "05zz")]                 // not hexadecimal
    [InlineData(1, "04")]                   // chassis MAC with no address
    [InlineData(1, "04885a92ec54")]         // chassis MAC one byte short
    [InlineData(1, "")]                     // no subtype at all
    [InlineData(1, "00aabb")]               // reserved chassis ID subtype
    [InlineData(2, "06aabb")]               // agent circuit ID, which the reference cannot decode
    [InlineData(2, "0401c000")]             // port network address truncated
    [InlineData(4, "ff")]                   // description that is not UTF-8
    [InlineData(7, "001400")]               // capabilities of the wrong length
    [InlineData(8, "0501")]                 // management IPv4 address truncated
    [InlineData(8, "0506")]                 // management MAC address truncated
    [InlineData(127, "0080c2")]             // organizationally specific header truncated
    [InlineData(127, "00120f04")]           // MTU with no value
    [InlineData(127, "0080c201")]           // port VLAN ID with no value
    [InlineData(127, "0080c206")]           // management VID with no value
    [InlineData(127, "0080c203006507")]     // VLAN name shorter than its length
    [InlineData(127, "0080c203006502ff00")] // VLAN name that is not UTF-8
    [InlineData(127, "0080c2020600")]       // port and protocol VLAN of the wrong length
    [InlineData(127, "0080c20403aabb")]     // protocol identity shorter than its length
    [InlineData(127, "00120f01036c11ffff")] // MAU type outside the table
    [InlineData(127, "00120f01036c11")]     // MAC/PHY status truncated
    [InlineData(127, "00120f0303")]         // link aggregation truncated
    [InlineData(127, "0080c207030000000200")] // link aggregation too long
    public void A_malformed_tlv_is_skipped_with_one_warning(int type, string value)
    {
        var (result, warnings) = Process(Tlvs((type, value)));

        Assert.Single(warnings);
        Assert.Empty(result);
    }

    [Fact]
    public void Malformed_tlvs_do_not_stop_the_rest_from_being_decoded()
    {
        var tlvs = JsonNode.Parse("""
            [
              [1, "04885a92ec545"],
              "not a pair",
              [2],
              ["2", "0545746865726e6574312f3138"],
              [5, null],
              [5, 42],
              [1, "04885a92ec5459"],
              [2, "0545746865726e6574312f3138"],
              [127, "00120f0405"],
              [127, "00120f0405ea"]
            ]
            """)!.AsArray();

        var (result, warnings) = Process(tlvs);

        Assert.Equal(7, warnings.Count);
        AssertJson("""{"switch_chassis_id": "88:5a:92:ec:54:59", "switch_port_id": "Ethernet1/18", "switch_port_mtu": 1514}""", result);
    }

    [Fact]
    public void Without_a_warning_callback_malformed_tlvs_are_still_skipped_quietly()
    {
        var result = Lldp.Process(Tlvs((1, "04"), (2, "zz"), (2, PortName("Ethernet7"))));

        AssertJson("""{"switch_port_id": "Ethernet7"}""", result);
    }

    [Fact]
    public void No_tlvs_yield_an_empty_object_so_lldp_processed_is_not_set()
    {
        Assert.Empty(Lldp.Process([]));
        Assert.Empty(Lldp.Process(Tlvs((3, "0078"), (0, ""))));
    }

    // ---- local_link_connection ----

    [Fact]
    public void Local_link_connection_takes_switch_id_from_the_chassis_mac_and_port_id_from_the_port_name()
    {
        var (result, warnings) = LocalLinkConnection(LeafSwitchTlvs);

        Assert.Empty(warnings);
        AssertJson("""{"switch_id": "88:5a:92:ec:54:59", "port_id": "Ethernet1/18"}""", result);
        Assert.False(result.ContainsKey("switch_info"));
    }

    [Fact]
    public void Local_link_connection_formats_a_port_mac_like_the_chassis_mac()
    {
        var (result, _) = LocalLinkConnection(Tlvs((1, "04885A92EC5459"), (2, PortMac("88:5a:92:ec:54:58"))));

        AssertJson("""{"switch_id": "88:5a:92:ec:54:59", "port_id": "88:5a:92:ec:54:58"}""", result);
    }

    [Theory]
    [InlineData("01" + "75706c696e6b", "uplink")]
    [InlineData("02" + "706f727431", "port1")]
    [InlineData("04" + "01c0000201", "192.0.2.1")]
    [InlineData("07" + "373334", "734")]
    public void Local_link_connection_accepts_every_port_id_subtype_the_reference_decodes(string value, string expected)
    {
        var (result, warnings) = LocalLinkConnection(Tlvs((2, value)));

        Assert.Empty(warnings);
        Assert.Equal(expected, (string?)result["port_id"]);
    }

    [Theory]
    [InlineData("05" + "01c000020f")]   // network address
    [InlineData("06" + "6574683030")]   // interface name
    [InlineData("07" + "73773031")]     // locally assigned
    public void Local_link_connection_only_takes_a_switch_id_from_a_mac_chassis_id(string chassis)
    {
        var (result, warnings) = LocalLinkConnection(Tlvs((1, chassis), (2, PortName("Ethernet1/18"))));

        Assert.Empty(warnings);
        AssertJson("""{"port_id": "Ethernet1/18"}""", result);
    }

    [Theory]
    [InlineData("06" + "6369726375697431")] // agent circuit ID
    [InlineData("04" + "07c0000201")]       // network address of unknown family
    [InlineData("05")]                      // empty interface name
    public void Local_link_connection_skips_port_ids_without_a_usable_value_silently(string port)
    {
        var (result, warnings) = LocalLinkConnection(Tlvs((1, ChassisMac("88:5a:92:ec:54:59")), (2, port)));

        Assert.Empty(warnings);
        AssertJson("""{"switch_id": "88:5a:92:ec:54:59"}""", result);
    }

    [Fact]
    public void Local_link_connection_lets_a_repeated_tlv_override_the_earlier_one()
    {
        var (result, _) = LocalLinkConnection(Tlvs(
            (2, PortName("Ethernet1/1")),
            (1, ChassisMac("11:11:11:11:11:11")),
            (2, PortName("Ethernet1/2")),
            (1, ChassisMac("22:22:22:22:22:22"))));

        AssertJson("""{"port_id": "Ethernet1/2", "switch_id": "22:22:22:22:22:22"}""", result);
    }

    [Fact]
    public void Local_link_connection_warns_about_malformed_ids_and_keeps_the_good_ones()
    {
        var (result, warnings) = LocalLinkConnection(Tlvs(
            (1, "04885a92ec54"),
            (1, "09aabbcc"),
            (2, "0"),
            (2, "05ff"),
            (2, PortName("Ethernet1/18"))));

        Assert.Equal(4, warnings.Count);
        AssertJson("""{"port_id": "Ethernet1/18"}""", result);
    }

    [Fact]
    public void Local_link_connection_is_empty_without_chassis_or_port_ids()
    {
        var (result, warnings) = LocalLinkConnection(Tlvs((3, "0078"), (5, Text("leaf-r12-a")), (127, Dot3(4, U16(1500)))));

        Assert.Empty(warnings);
        Assert.Empty(result);
    }

    [Fact]
    public void Local_link_connection_prefers_lldp_processed_values_when_present()
    {
        var processed = new JsonObject { ["switch_chassis_id"] = "11:22:33:AA:BB:DD", ["switch_port_id"] = "Ethernet2/66" };

        var result = Lldp.LocalLinkConnection(processed, LeafSwitchTlvs);

        AssertJson("""{"switch_id": "11:22:33:AA:BB:DD", "port_id": "Ethernet2/66"}""", result);
    }

    [Fact]
    public void Local_link_connection_skips_a_processed_chassis_id_that_is_not_a_mac()
    {
        var processed = new JsonObject { ["switch_chassis_id"] = "192.0.2.1", ["switch_port_id"] = "Ethernet2/66" };

        var result = Lldp.LocalLinkConnection(processed, LeafSwitchTlvs);

        AssertJson("""{"port_id": "Ethernet2/66"}""", result);
    }

    [Fact]
    public void Local_link_connection_falls_back_to_raw_tlvs_when_processed_data_gives_nothing()
    {
        var processed = new JsonObject { ["switch_chassis_id"] = "sw01", ["switch_system_name"] = "leaf" };

        Assert.Equal(
            Lldp.LocalLinkConnection(LeafSwitchTlvs).ToJsonString(),
            Lldp.LocalLinkConnection(processed, LeafSwitchTlvs).ToJsonString());
        Assert.Equal(
            Lldp.LocalLinkConnection(LeafSwitchTlvs).ToJsonString(),
            Lldp.LocalLinkConnection(null, LeafSwitchTlvs).ToJsonString());
    }

    [Fact]
    public void Local_link_connection_from_the_processed_output_matches_the_raw_path_for_a_typical_switch()
    {
        var processed = Lldp.Process(LeafSwitchTlvs);

        Assert.Equal(
            Lldp.LocalLinkConnection(LeafSwitchTlvs).ToJsonString(),
            Lldp.LocalLinkConnection(processed, LeafSwitchTlvs).ToJsonString());
    }
}
