using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Inspector.Grains.Processing;

/// <summary>
/// Decodes the raw LLDP TLVs that ironic-python-agent reports for an interface
/// (<c>inventory.interfaces[].lldp</c>, or the newer top-level <c>lldp_raw[name]</c>: a list of
/// <c>[type, "hex value"]</c> pairs) the way the reference's <c>lldp_basic</c> and
/// <c>local_link_connection</c> processing hooks do.
/// </summary>
/// <remarks>
/// Behaviour reproduced on purpose, including the reference's quirks:
/// <list type="bullet">
/// <item>The first occurrence of a single-valued name wins; list-valued names accumulate.</item>
/// <item>Only the 802.1 (OUI 00-80-c2) and 802.3 (OUI 00-12-0f) organizationally specific sets are
/// decoded. While nothing has been recorded yet their values are dropped, because the reference hands
/// its 802.1/802.3 sub-parsers <c>nv or {}</c>, a fresh dictionary when the shared one is still empty.
/// IPA reports TLVs in frame order, where chassis ID, port ID and TTL always come first.</item>
/// <item>An IPv6 address whose value fits in 32 bits is written as IPv4 (<c>::1</c> becomes
/// <c>0.0.0.1</c>), as <c>netaddr.IPAddress(int)</c> does.</item>
/// <item>"10BASE-T fdx" is reported from the 10BASE-T half-duplex bit, as the reference does.</item>
/// <item>A chassis ID in the IANA address subtype with an unknown address family is recorded as null.</item>
/// </list>
/// Where the reference only logs (a debug line for an unknown TLV type or 802.1/802.3 subtype) nothing
/// is reported. Where it logs a warning, <c>warn</c> is called. Where it would crash the whole hook
/// (odd or non-hexadecimal values, truncated IDs, unknown chassis/port ID subtypes, entries that are
/// not pairs) the TLV is skipped and <c>warn</c> is called instead.
/// </remarks>
public static partial class Lldp
{
    /// <summary>Names of the <c>lldp_processed</c> keys, as the reference spells them.</summary>
    public const string ChassisIdName = "switch_chassis_id";
    public const string PortIdName = "switch_port_id";
    public const string PortDescriptionName = "switch_port_description";
    public const string SystemNameName = "switch_system_name";
    public const string SystemDescriptionName = "switch_system_description";
    public const string CapabilitiesSupportName = "switch_capabilities_support";
    public const string CapabilitiesEnabledName = "switch_capabilities_enabled";
    public const string ManagementAddressesName = "switch_mgmt_addresses";
    public const string UntaggedVlanIdName = "switch_port_untagged_vlan_id";
    public const string ProtocolVlanEnabledName = "switch_port_protocol_vlan_enabled";
    public const string ProtocolVlanSupportName = "switch_port_protocol_vlan_support";
    public const string ProtocolVlanIdsName = "switch_port_protocol_vlan_ids";
    public const string VlansName = "switch_port_vlans";
    public const string ProtocolIdentitiesName = "switch_protocol_identities";
    public const string ManagementVlanIdName = "switch_port_management_vlan_id";
    public const string LinkAggregationEnabledName = "switch_port_link_aggregation_enabled";
    public const string LinkAggregationSupportName = "switch_port_link_aggregation_support";
    public const string LinkAggregationIdName = "switch_port_link_aggregation_id";
    public const string AutonegotiationEnabledName = "switch_port_autonegotiation_enabled";
    public const string AutonegotiationSupportName = "switch_port_autonegotiation_support";
    public const string PhysicalCapabilitiesName = "switch_port_physical_capabilities";
    public const string MauTypeName = "switch_port_mau_type";
    public const string MtuName = "switch_port_mtu";

    /// <summary>Keys of an Ironic port's <c>local_link_connection</c> that the hook sets.</summary>
    public const string SwitchIdItem = "switch_id";
    public const string PortIdItem = "port_id";

    // TLV types (802.1AB).
    private const int EndOfLldpduType = 0;
    private const int ChassisIdType = 1;
    private const int PortIdType = 2;
    private const int TtlType = 3;
    private const int PortDescriptionType = 4;
    private const int SystemNameType = 5;
    private const int SystemDescriptionType = 6;
    private const int SystemCapabilitiesType = 7;
    private const int ManagementAddressType = 8;
    private const int OrganizationallySpecificType = 127;

    private const string Ieee8021Oui = "0080c2";
    private const string Ieee8023Oui = "00120f";

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    // System capabilities bits, in the order the reference lists them.
    private static readonly (int Bit, string Name)[] SystemCapabilityBits =
    [
        (0x0002, "Repeater"),
        (0x0004, "Bridge"),
        (0x0008, "WLAN"),
        (0x0010, "Router"),
        (0x0020, "Telephone"),
        (0x0040, "DOCSIS cable device"),
        (0x0080, "Station only"),
        (0x0100, "C-Vlan"),
        (0x0200, "S-Vlan"),
        (0x0400, "TPMR"),
    ];

    // PMD auto-negotiation advertised capability bits (RFC 4836 IANAifMauAutoNegCapBits, bit 0 = MSB).
    // "10BASE-T fdx" deliberately reads the half-duplex bit (0x4000) like the reference; 0x2000 is unused.
    private static readonly (int Bit, string Name)[] PhysicalCapabilityBits =
    [
        (0x4000, "10BASE-T hdx"),
        (0x4000, "10BASE-T fdx"),
        (0x1000, "10BASE-T4"),
        (0x0800, "100BASE-TX hdx"),
        (0x0400, "100BASE-TX fdx"),
        (0x0200, "100BASE-T2 hdx"),
        (0x0100, "100BASE-T2 fdx"),
        (0x0080, "PAUSE fdx"),
        (0x0040, "Asym PAUSE fdx"),
        (0x0020, "Sym PAUSE fdx"),
        (0x0010, "Asym and Sym PAUSE fdx"),
        (0x0008, "1000BASE-X hdx"),
        (0x0004, "1000BASE-X fdx"),
        (0x0002, "1000BASE-T hdx"),
        (0x0001, "1000BASE-T fdx"),
    ];

    // ifMauTypeList (RFC 4836), indexed by the operational MAU type.
    private static readonly string[] OperationalMauTypes =
    [
        "Unknown", "AUI", "10BASE-5", "FOIRL", "10BASE-2", "10BASE-T duplex mode unknown", "10BASE-FP",
        "10BASE-FB", "10BASE-FL duplex mode unknown", "10BROAD36", "10BASE-T half duplex",
        "10BASE-T full duplex", "10BASE-FL half duplex", "10BASE-FL full duplex", "100 BASE-T4",
        "100BASE-TX half duplex", "100BASE-TX full duplex", "100BASE-FX half duplex",
        "100BASE-FX full duplex", "100BASE-T2 half duplex", "100BASE-T2 full duplex",
        "1000BASE-X half duplex", "1000BASE-X full duplex", "1000BASE-LX half duplex",
        "1000BASE-LX full duplex", "1000BASE-SX half duplex", "1000BASE-SX full duplex",
        "1000BASE-CX half duplex", "1000BASE-CX full duplex", "1000BASE-T half duplex",
        "1000BASE-T full duplex", "10GBASE-X", "10GBASE-LX4", "10GBASE-R", "10GBASE-ER", "10GBASE-LR",
        "10GBASE-SR", "10GBASE-W", "10GBASE-EW", "10GBASE-LW", "10GBASE-SW", "10GBASE-CX4", "2BASE-TL",
        "10PASS-TS", "100BASE-BX10D", "100BASE-BX10U", "100BASE-LX10", "1000BASE-BX10D", "1000BASE-BX10U",
        "1000BASE-LX10", "1000BASE-PX10D", "1000BASE-PX10U", "1000BASE-PX20D", "1000BASE-PX20U",
    ];

    /// <summary>
    /// The <c>lldp_processed</c> object for one interface, with the reference's keys and value formats.
    /// An empty object means the reference would not set <c>lldp_processed</c> at all.
    /// </summary>
    public static JsonObject Process(JsonArray tlvs, Action<string>? warn = null)
    {
        ArgumentNullException.ThrowIfNull(tlvs);
        var nv = new JsonObject();
        for (var index = 0; index < tlvs.Count; index++)
        {
            if (!TryReadTlv(tlvs[index], index, warn, out var type, out var data))
            {
                continue;
            }

            try
            {
                ProcessBasic(type, data, nv, warn);
            }
            catch (MalformedTlvException e)
            {
                warn?.Invoke(e.Message);
            }
            catch (DecoderFallbackException e)
            {
                warn?.Invoke($"LLDP TLV type {type} can't be decoded: {e.Message}");
            }
        }

        return nv;
    }

    /// <summary>
    /// What the <c>local_link_connection</c> hook sets on the Ironic port from the raw TLVs when no
    /// <c>lldp_processed</c> data is available: <c>switch_id</c> from a chassis ID of the MAC address
    /// subtype, <c>port_id</c> from a port ID of any subtype the reference decodes (interface alias,
    /// entity alias, MAC address, network address, interface name, locally assigned). A repeated TLV
    /// overrides the earlier one, as successive JSON-patch "add" operations do. The reference never sets
    /// <c>switch_info</c>. Applying <c>[processing]overwrite_existing</c> against the port's current
    /// values is left to the caller.
    /// </summary>
    public static JsonObject LocalLinkConnection(JsonArray tlvs, Action<string>? warn = null)
    {
        ArgumentNullException.ThrowIfNull(tlvs);
        var result = new JsonObject();
        for (var index = 0; index < tlvs.Count; index++)
        {
            if (!TryReadTlv(tlvs[index], index, warn, out var type, out var data))
            {
                continue;
            }

            try
            {
                switch (type)
                {
                    case PortIdType:
                        var port = ParseId(data, PortIdType);
                        if (!string.IsNullOrEmpty(port.Value))
                        {
                            result[PortIdItem] = port.Value;
                        }

                        break;
                    case ChassisIdType:
                        var chassis = ParseId(data, ChassisIdType);
                        if (chassis.Kind == IdKind.Unknown)
                        {
                            throw new MalformedTlvException($"TLV parse error for Chassis ID: unknown subtype {chassis.Subtype}");
                        }

                        if (chassis.Kind == IdKind.Mac && !string.IsNullOrEmpty(chassis.Value))
                        {
                            result[SwitchIdItem] = chassis.Value;
                        }

                        break;
                }
            }
            catch (MalformedTlvException e)
            {
                warn?.Invoke(e.Message);
            }
            catch (DecoderFallbackException e)
            {
                warn?.Invoke($"LLDP TLV type {type} can't be decoded: {e.Message}");
            }
        }

        return result;
    }

    /// <summary>
    /// The hook's full choice: values from the interface's <c>lldp_processed</c> (written by
    /// <c>lldp_basic</c> when it ran first) take precedence: <c>switch_chassis_id</c> only when it is a
    /// colon-separated MAC address, <c>switch_port_id</c> whenever it is set. Only when neither yields a
    /// value are the raw TLVs decoded, as <see cref="LocalLinkConnection(JsonArray, Action{string}?)"/> does.
    /// </summary>
    public static JsonObject LocalLinkConnection(JsonObject? lldpProcessed, JsonArray tlvs, Action<string>? warn = null)
    {
        ArgumentNullException.ThrowIfNull(tlvs);
        if (lldpProcessed is not null)
        {
            var result = new JsonObject();
            var chassis = lldpProcessed[ChassisIdName];
            if (IsTruthy(chassis) && chassis is JsonValue chassisValue
                && chassisValue.GetValueKind() == JsonValueKind.String
                && IsColonSeparatedMac(chassisValue.GetValue<string>()))
            {
                result[SwitchIdItem] = chassis.DeepClone();
            }

            var port = lldpProcessed[PortIdName];
            if (IsTruthy(port))
            {
                result[PortIdItem] = port!.DeepClone();
            }

            if (result.Count > 0)
            {
                return result;
            }
        }

        return LocalLinkConnection(tlvs, warn);
    }

    private static void ProcessBasic(int type, byte[] data, JsonObject nv, Action<string>? warn)
    {
        switch (type)
        {
            case EndOfLldpduType:
            case TtlType:
                return;
            case ChassisIdType:
            case PortIdType:
                var id = ParseId(data, type);
                if (id.Kind == IdKind.Unknown)
                {
                    var what = type == ChassisIdType ? "chassis ID" : "port ID";
                    throw new MalformedTlvException($"TLV parse error: unsupported {what} subtype {id.Subtype}");
                }

                SetDefault(nv, type == ChassisIdType ? ChassisIdName : PortIdName, id.Value);
                return;
            case PortDescriptionType:
                SetDefault(nv, PortDescriptionName, StrictUtf8.GetString(data));
                return;
            case SystemNameType:
                SetDefault(nv, SystemNameName, StrictUtf8.GetString(data));
                return;
            case SystemDescriptionType:
                SetDefault(nv, SystemDescriptionName, StrictUtf8.GetString(data));
                return;
            case SystemCapabilitiesType:
                RequireLength(data, 4, "switch_capabilities");
                var reader = new Reader(data);
                var system = reader.UInt16();
                var enabled = reader.UInt16();
                SetDefault(nv, CapabilitiesSupportName, CapabilityList(system));
                SetDefault(nv, CapabilitiesEnabledName, CapabilityList(enabled));
                return;
            case ManagementAddressType:
                var mgmt = new Reader(data);
                mgmt.Byte(); // address string length, not checked by the reference
                var address = IanaAddress(mgmt);
                if (!string.IsNullOrEmpty(address))
                {
                    Append(nv, ManagementAddressesName, address);
                }

                return;
            case OrganizationallySpecificType:
                var org = new Reader(data);
                var oui = Convert.ToHexStringLower(org.Bytes(3));
                var subtype = org.Byte();
                var payload = org.Rest();
                var target = nv.Count == 0 ? new JsonObject() : nv;
                switch (oui)
                {
                    case Ieee8021Oui:
                        ProcessIeee8021(subtype, payload, target);
                        break;
                    case Ieee8023Oui:
                        ProcessIeee8023(subtype, payload, target);
                        break;
                    default:
                        warn?.Invoke($"Organizationally Unique ID {oui} not recognized");
                        break;
                }

                return;
        }
    }

    private static void ProcessIeee8021(int subtype, byte[] data, JsonObject nv)
    {
        var reader = new Reader(data);
        switch (subtype)
        {
            case 1: // Port VLAN ID
                SetDefault(nv, UntaggedVlanIdName, reader.UInt16());
                return;
            case 2: // Port and protocol VLAN ID
                RequireLength(data, 3, "switch_port_protocol");
                var flags = reader.Byte();
                var vlanId = reader.UInt16();
                SetDefault(nv, ProtocolVlanEnabledName, (flags & 0x04) != 0);
                SetDefault(nv, ProtocolVlanSupportName, (flags & 0x02) != 0);
                Append(nv, ProtocolVlanIdsName, vlanId);
                return;
            case 3: // VLAN name
                var id = reader.UInt16();
                var length = reader.Byte();
                var raw = reader.Bytes(length);
                var end = raw.Length;
                while (end > 0 && raw[end - 1] == 0)
                {
                    end--;
                }

                var name = StrictUtf8.GetString(raw, 0, end);
                Append(nv, VlansName, new JsonObject { ["name"] = name, ["id"] = id });
                return;
            case 4: // Protocol identity
                var protocol = reader.Bytes(reader.Byte());
                Append(nv, ProtocolIdentitiesName, Convert.ToHexStringLower(protocol));
                return;
            case 6: // Management VID
                SetDefault(nv, ManagementVlanIdName, reader.UInt16());
                return;
            case 7: // Link aggregation
                LinkAggregation(data, nv);
                return;
        }
    }

    private static void ProcessIeee8023(int subtype, byte[] data, JsonObject nv)
    {
        switch (subtype)
        {
            case 1: // MAC/PHY configuration/status
                RequireLength(data, 5, "switch_port_mac_phy_config");
                var reader = new Reader(data);
                var autonegotiation = reader.Byte();
                var pmd = reader.UInt16();
                var mau = reader.UInt16();
                if (mau >= OperationalMauTypes.Length)
                {
                    throw new MalformedTlvException("TLV value error: Invalid index for mau type");
                }

                SetDefault(nv, AutonegotiationEnabledName, (autonegotiation & 0x02) != 0);
                SetDefault(nv, AutonegotiationSupportName, (autonegotiation & 0x01) != 0);
                var capabilities = PhysicalCapabilityBits
                    .Where(c => (pmd & c.Bit) != 0)
                    .Select(c => c.Name)
                    .Distinct()
                    .Order(StringComparer.Ordinal)
                    .Select(n => (JsonNode?)n)
                    .ToArray();
                SetDefault(nv, PhysicalCapabilitiesName, new JsonArray(capabilities));
                SetDefault(nv, MauTypeName, OperationalMauTypes[mau]);
                return;
            case 3: // Link aggregation (deprecated here, moved to 802.1; same format)
                LinkAggregation(data, nv);
                return;
            case 4: // Maximum frame size
                SetDefault(nv, MtuName, new Reader(data).UInt16());
                return;
        }
    }

    private static void LinkAggregation(byte[] data, JsonObject nv)
    {
        RequireLength(data, 5, "switch_port_link_aggregation");
        var reader = new Reader(data);
        var status = reader.Byte();
        var portId = reader.UInt32();
        SetDefault(nv, LinkAggregationEnabledName, (status & 0x02) != 0);
        SetDefault(nv, LinkAggregationSupportName, (status & 0x01) != 0);
        SetDefault(nv, LinkAggregationIdName, portId);
    }

    private enum IdKind { Text, Mac, Address, Unknown }

    private readonly record struct ParsedId(int Subtype, IdKind Kind, string? Value);

    /// <summary>Chassis ID or port ID: subtype byte, then a value whose format the subtype selects.</summary>
    private static ParsedId ParseId(byte[] data, int type)
    {
        var reader = new Reader(data);
        var subtype = reader.Byte();
        var kind = type == ChassisIdType
            ? subtype switch
            {
                1 or 2 or 3 or 6 or 7 => IdKind.Text, // chassis component, interface alias, port component, interface name, local
                4 => IdKind.Mac,
                5 => IdKind.Address,
                _ => IdKind.Unknown,
            }
            : subtype switch
            {
                1 or 2 or 5 or 7 => IdKind.Text, // interface alias, port component, interface name, local
                3 => IdKind.Mac,
                4 => IdKind.Address,
                _ => IdKind.Unknown, // includes 6, agent circuit ID
            };
        var value = kind switch
        {
            IdKind.Text => StrictUtf8.GetString(reader.Rest()),
            IdKind.Mac => Mac(reader.Bytes(6)),
            IdKind.Address => IanaAddress(reader),
            _ => null,
        };
        return new ParsedId(subtype, kind, value);
    }

    /// <summary>IANA address family byte followed by the address; null for an unknown family.</summary>
    private static string? IanaAddress(Reader reader) => reader.Byte() switch
    {
        1 => IPv4(reader.Bytes(4)),
        2 => IPv6(reader.Bytes(16)),
        6 => Mac(reader.Bytes(6)),
        _ => null,
    };

    private static string Mac(byte[] bytes) => string.Join(':', bytes.Select(b => b.ToString("x2", CultureInfo.InvariantCulture)));

    private static string IPv4(ReadOnlySpan<byte> b) =>
        string.Create(CultureInfo.InvariantCulture, $"{b[0]}.{b[1]}.{b[2]}.{b[3]}");

    /// <summary>
    /// IPv6 text as netaddr writes it: values that fit in 32 bits come out as IPv4; otherwise the
    /// glibc inet_ntop form (lowercase, longest run of two or more zero groups compressed, first run on a
    /// tie, IPv4-mapped addresses with a dotted tail).
    /// </summary>
    private static string IPv6(byte[] bytes)
    {
        if (bytes.AsSpan(0, 12).IndexOfAnyExcept((byte)0) < 0)
        {
            return IPv4(bytes.AsSpan(12));
        }

        var words = new int[8];
        for (var i = 0; i < 8; i++)
        {
            words[i] = bytes[2 * i] << 8 | bytes[2 * i + 1];
        }

        int bestBase = -1, bestLength = 0;
        for (var i = 0; i < 8;)
        {
            if (words[i] != 0)
            {
                i++;
                continue;
            }

            var start = i;
            while (i < 8 && words[i] == 0)
            {
                i++;
            }

            if (i - start > bestLength)
            {
                bestBase = start;
                bestLength = i - start;
            }
        }

        if (bestLength < 2)
        {
            bestBase = -1;
        }

        var text = new StringBuilder();
        for (var i = 0; i < 8; i++)
        {
            if (bestBase >= 0 && i >= bestBase && i < bestBase + bestLength)
            {
                if (i == bestBase)
                {
                    text.Append(':');
                }

                continue;
            }

            if (i != 0)
            {
                text.Append(':');
            }

            if (i == 6 && bestBase == 0 && bestLength == 5 && words[5] == 0xffff)
            {
                text.Append(IPv4(bytes.AsSpan(12)));
                break;
            }

            text.Append(words[i].ToString("x", CultureInfo.InvariantCulture));
        }

        if (bestBase >= 0 && bestBase + bestLength == 8)
        {
            text.Append(':');
        }

        return text.ToString();
    }

    private static JsonArray CapabilityList(int bits) =>
        new(SystemCapabilityBits.Where(c => (bits & c.Bit) != 0).Select(c => (JsonNode?)c.Name).ToArray());

    private static void RequireLength(byte[] data, int expected, string name)
    {
        if (data.Length != expected)
        {
            throw new MalformedTlvException($"Invalid data for {name} expected len {expected}, got {data.Length}");
        }
    }

    private static void SetDefault(JsonObject nv, string name, JsonNode? value)
    {
        if (!nv.ContainsKey(name))
        {
            nv[name] = value;
        }
    }

    private static void Append(JsonObject nv, string name, JsonNode value)
    {
        if (nv[name] is not JsonArray list)
        {
            list = [];
            nv[name] = list;
        }

        list.Add(value);
    }

    /// <summary>Reads one <c>[type, "hex"]</c> entry; warns and returns false when it is unusable.</summary>
    private static bool TryReadTlv(JsonNode? entry, int index, Action<string>? warn, out int type, out byte[] data)
    {
        type = -1;
        data = [];
        if (entry is not JsonArray { Count: 2 } pair || !TryReadType(pair[0], out type))
        {
            warn?.Invoke($"LLDP TLV #{index} is not a [type, hexadecimal value] pair, ignoring it");
            return false;
        }

        if (pair[1] is not JsonValue value || value.GetValueKind() != JsonValueKind.String)
        {
            warn?.Invoke($"TLV value for TLV type {type} not in correct format, value must be in hexadecimal: not a string");
            return false;
        }

        try
        {
            data = Convert.FromHexString(value.GetValue<string>());
            return true;
        }
        catch (FormatException)
        {
            warn?.Invoke($"TLV value for TLV type {type} not in correct format, value must be in hexadecimal: odd length or non-hexadecimal digit");
            return false;
        }
    }

    /// <summary>Any JSON number is a type; only integral ones in range can match a known TLV.</summary>
    private static bool TryReadType(JsonNode? node, out int type)
    {
        type = -1;
        if (node is not JsonValue value || value.GetValueKind() != JsonValueKind.Number)
        {
            return false;
        }

        if (decimal.TryParse(value.ToJsonString(), NumberStyles.Float, CultureInfo.InvariantCulture, out var number)
            && number == decimal.Truncate(number) && number is >= 0 and <= int.MaxValue)
        {
            type = (int)number;
        }

        return true;
    }

    private static bool IsTruthy(JsonNode? node) => node switch
    {
        null => false,
        JsonArray array => array.Count > 0,
        JsonObject obj => obj.Count > 0,
        JsonValue value => value.GetValueKind() switch
        {
            JsonValueKind.String => value.GetValue<string>().Length > 0,
            JsonValueKind.Number => !double.TryParse(value.ToJsonString(), NumberStyles.Float, CultureInfo.InvariantCulture, out var n) || n != 0,
            JsonValueKind.True => true,
            _ => false,
        },
        _ => false,
    };

    /// <summary>oslo.utils <c>netutils.is_valid_mac</c>: six colon-separated octets, either case.</summary>
    private static bool IsColonSeparatedMac(string value) => ColonSeparatedMac().IsMatch(value.ToLowerInvariant());

    [GeneratedRegex("^[0-9a-f]{2}(:[0-9a-f]{2}){5}$", RegexOptions.CultureInvariant)]
    private static partial Regex ColonSeparatedMac();

    private sealed class MalformedTlvException(string message) : Exception(message);

    /// <summary>Big-endian reader that fails like the reference's parser on a short TLV.</summary>
    private sealed class Reader(byte[] data)
    {
        private int _position;

        public int Byte() => Take(1)[0];

        public int UInt16()
        {
            var b = Take(2);
            return b[0] << 8 | b[1];
        }

        public long UInt32()
        {
            var b = Take(4);
            return (long)b[0] << 24 | (long)b[1] << 16 | (long)b[2] << 8 | b[3];
        }

        public byte[] Bytes(int count) => Take(count).ToArray();

        public byte[] Rest() => Take(data.Length - _position).ToArray();

        private ReadOnlySpan<byte> Take(int count)
        {
            var available = data.Length - _position;
            if (available < count)
            {
                throw new MalformedTlvException($"TLV parse error: expected {count} more byte(s), found {available}");
            }

            var span = data.AsSpan(_position, count);
            _position += count;
            return span;
        }
    }
}
