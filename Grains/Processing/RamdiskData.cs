using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Unicode;
using Inspector.Grains.Json;
using Inspector.Grains.Nodes;

namespace Inspector.Grains.Processing;

/// <summary>One NIC the ramdisk reported.</summary>
public sealed record RamdiskInterface(string Name, string? Mac, string? Ipv4, string? Ipv6, string? ClientId, JsonArray? Lldp);

/// <summary>
/// What a ramdisk posted to <c>/v1/continue</c>, in either format: the flat format of the
/// original API (cpus, interfaces by name, ipmi_address, ...) or ironic-python-agent's
/// <c>inventory</c>. Both give the same typed view; the flat format also gets an equivalent
/// <c>inventory</c>, which Ironic reads back from the stored data. Unknown keys are kept.
/// </summary>
public sealed class RamdiskData
{
    /// <summary>The string fields of an inventory's interface.</summary>
    private static readonly string[] InterfaceStrings = ["name", "mac_address", "ipv4_address", "ipv6_address", "client_id"];

    private RamdiskData(JsonObject data, JsonObject inventory, bool isFlat)
    {
        Data = data;
        Inventory = inventory;
        IsFlat = isFlat;
    }

    /// <summary>The data being processed; hooks add their results to it.</summary>
    public JsonObject Data { get; }

    public JsonObject Inventory { get; }

    /// <summary>True for the flat format of the original API.</summary>
    public bool IsFlat { get; }

    public string? Error => Data["error"] is JsonValue v && v.TryGetValue<string>(out var s) && s.Length > 0 ? s : null;

    public string? Logs => Data["logs"] is JsonValue v && v.TryGetValue<string>(out var s) && s.Length > 0 ? s : null;

    /// <summary>The BMC's IPv4 address, or null when absent or a placeholder.</summary>
    public string? BmcAddress => UsableAddress(Inventory.ContainsKey("bmc_address") ? Inventory["bmc_address"] : Data["ipmi_address"]);

    public string? BmcV6Address => UsableAddress(Inventory["bmc_v6address"]);

    /// <summary>The MAC of the NIC the machine PXE booted from, from <c>boot_interface</c> (plain or PXELinux form).</summary>
    public string? PxeMac
    {
        get
        {
            var value = (string?)Data["boot_interface"] ?? (string?)Inventory["boot"]?["pxe_interface"];
            if (string.IsNullOrEmpty(value))
            {
                return null;
            }

            // PXELinux's BOOTIF: hardware type 01, then the MAC with dashes.
            if (value.Length == 20 && value.StartsWith("01-", StringComparison.Ordinal))
            {
                value = value[3..].Replace('-', ':');
            }

            value = value.ToLowerInvariant();
            return LookupAttributes.IsValidMac(value) ? value : null;
        }
    }

    public IReadOnlyList<RamdiskInterface> Interfaces =>
    [
        .. (Inventory["interfaces"] as JsonArray ?? []).OfType<JsonObject>().Select(i => new RamdiskInterface(
            (string?)i["name"] ?? "",
            ((string?)i["mac_address"])?.ToLowerInvariant(),
            (string?)i["ipv4_address"],
            (string?)i["ipv6_address"],
            (string?)i["client_id"],
            i["lldp"] as JsonArray)),
    ];

    /// <summary>The attributes the node is looked up by: BMC addresses and every valid MAC.</summary>
    public IReadOnlyList<LookupAttribute> AttributesForLookup() =>
        LookupAttributesFrom(BmcAddress, BmcV6Address, Interfaces.Select(i => i.Mac));

    /// <summary>
    /// The lookup attributes from the BMC addresses as posted (placeholders are dropped) and the
    /// interfaces' lower-cased MACs; shared with <see cref="LookupScan"/>, which must agree.
    /// </summary>
    internal static IReadOnlyList<LookupAttribute> LookupAttributesFrom(string? bmcAddress, string? bmcV6Address, IEnumerable<string?> macs)
    {
        var attributes = new List<LookupAttribute>();
        foreach (var address in new[] { UsableAddress(bmcAddress), UsableAddress(bmcV6Address) })
        {
            if (address is not null)
            {
                attributes.Add(new LookupAttribute(LookupAttribute.BmcAddress, address));
            }
        }

        foreach (var mac in macs.Where(Nodes.LookupAttributes.IsValidMac).Distinct())
        {
            attributes.Add(new LookupAttribute(LookupAttribute.Mac, mac!));
        }

        return attributes;
    }

    /// <summary>Stored or replacement data, as text.</summary>
    /// <inheritdoc cref="Parse(ReadOnlySpan{byte})"/>
    public static RamdiskData Parse(string json) => Parse(Encoding.UTF8.GetBytes(json));

    /// <summary>
    /// Parses a ramdisk's post as it came; the failure message tells the ramdisk's operator what is
    /// wrong. Invalid UTF-8 is refused, as the reference refuses it.
    /// </summary>
    /// <exception cref="RamdiskDataException">Not UTF-8, not JSON, not an object, or a field of the wrong type.</exception>
    public static RamdiskData Parse(ReadOnlySpan<byte> utf8Json)
    {
        // The JSON reader checks structure, not the bytes inside strings.
        if (!Utf8.IsValid(utf8Json))
        {
            throw new RamdiskDataException("Invalid JSON in the request body: it is not valid UTF-8");
        }

        JsonNode? node;
        try
        {
            node = ClientJson.Parse(utf8Json);
        }
        catch (JsonException e)
        {
            throw new RamdiskDataException($"Invalid JSON in the request body: {e.Message}");
        }

        if (node is not JsonObject data)
        {
            throw new RamdiskDataException($"Invalid ramdisk data: expected a JSON object, got {Describe(node)}");
        }

        return FromObject(data);
    }

    public static RamdiskData FromObject(JsonObject data)
    {
        if (data.ContainsKey("inventory"))
        {
            var inventory = Expect<JsonObject>(data["inventory"], "inventory", "an object");
            CheckInventory(inventory);
            CheckCommon(data);
            return new RamdiskData(data, inventory, isFlat: false);
        }

        CheckFlat(data);
        CheckCommon(data);
        return new RamdiskData(data, InventoryFromFlat(data), isFlat: true);
    }

    private static void CheckCommon(JsonObject data)
    {
        OptionalString(data, "error", "error");
        OptionalString(data, "logs", "logs");
        OptionalString(data, "boot_interface", "boot_interface");
        OptionalString(data, "ipmi_address", "ipmi_address");
        if (data["root_disk"] is { } rootDisk && rootDisk.GetValueKind() != JsonValueKind.Null)
        {
            CheckDisk(Expect<JsonObject>(rootDisk, "root_disk", "an object"), "root_disk");
        }
    }

    private static void CheckInventory(JsonObject inventory)
    {
        if (inventory["interfaces"] is { } interfaces)
        {
            var list = Expect<JsonArray>(interfaces, "inventory.interfaces", "a list");
            for (var i = 0; i < list.Count; i++)
            {
                var path = new DataPath("inventory.interfaces", i);
                var iface = Expect<JsonObject>(list[i], path, "an object");
                foreach (var key in InterfaceStrings)
                {
                    OptionalString(iface, key, path.With(key));
                }

                if (iface["lldp"] is { } lldp && lldp.GetValueKind() != JsonValueKind.Null)
                {
                    Expect<JsonArray>(lldp, path.With("lldp"), "a list");
                }
            }
        }

        if (inventory["cpu"] is { } cpu && cpu.GetValueKind() != JsonValueKind.Null)
        {
            var cpuObject = Expect<JsonObject>(cpu, "inventory.cpu", "an object");
            OptionalInteger(cpuObject, "count", "inventory.cpu.count");
            OptionalString(cpuObject, "architecture", "inventory.cpu.architecture");
            if (cpuObject["flags"] is { } flags && flags.GetValueKind() != JsonValueKind.Null)
            {
                Expect<JsonArray>(flags, "inventory.cpu.flags", "a list");
            }
        }

        if (inventory["memory"] is { } memory && memory.GetValueKind() != JsonValueKind.Null)
        {
            OptionalInteger(Expect<JsonObject>(memory, "inventory.memory", "an object"), "physical_mb", "inventory.memory.physical_mb");
        }

        if (inventory["disks"] is { } disks && disks.GetValueKind() != JsonValueKind.Null)
        {
            var list = Expect<JsonArray>(disks, "inventory.disks", "a list");
            for (var i = 0; i < list.Count; i++)
            {
                var path = new DataPath("inventory.disks", i);
                CheckDisk(Expect<JsonObject>(list[i], path, "an object"), path);
            }
        }

        if (inventory["boot"] is { } boot && boot.GetValueKind() != JsonValueKind.Null)
        {
            var bootObject = Expect<JsonObject>(boot, "inventory.boot", "an object");
            OptionalString(bootObject, "current_boot_mode", "inventory.boot.current_boot_mode");
            OptionalString(bootObject, "pxe_interface", "inventory.boot.pxe_interface");
        }

        OptionalString(inventory, "bmc_address", "inventory.bmc_address");
        OptionalString(inventory, "bmc_v6address", "inventory.bmc_v6address");
    }

    private static void CheckDisk(JsonObject disk, DataPath path)
    {
        OptionalString(disk, "name", path.With("name"));
        OptionalInteger(disk, "size", path.With("size"));
    }

    private static void CheckFlat(JsonObject data)
    {
        OptionalInteger(data, "cpus", "cpus");
        OptionalString(data, "cpu_arch", "cpu_arch");
        OptionalInteger(data, "memory_mb", "memory_mb");
        OptionalInteger(data, "local_gb", "local_gb");
        if (data["interfaces"] is { } interfaces && interfaces.GetValueKind() != JsonValueKind.Null)
        {
            foreach (var (name, value) in Expect<JsonObject>(interfaces, "interfaces", "an object of interfaces by name"))
            {
                var path = new DataPath($"interfaces.{name}");
                var iface = Expect<JsonObject>(value, path, "an object");
                OptionalString(iface, "mac", path.With("mac"));
                OptionalString(iface, "ip", path.With("ip"));
            }
        }

        if (data["block_devices"] is { } devices && devices.GetValueKind() != JsonValueKind.Null)
        {
            var serials = Expect<JsonObject>(devices, "block_devices", "an object")["serials"];
            if (serials is not null && serials.GetValueKind() != JsonValueKind.Null)
            {
                Expect<JsonArray>(serials, "block_devices.serials", "a list");
            }
        }
    }

    /// <summary>The inventory equivalent of the flat format, so both formats process alike.</summary>
    private static JsonObject InventoryFromFlat(JsonObject data)
    {
        var interfaces = new JsonArray();
        foreach (var (name, value) in data["interfaces"] as JsonObject ?? [])
        {
            interfaces.Add(new JsonObject
            {
                ["name"] = name,
                ["mac_address"] = value?["mac"]?.DeepClone(),
                ["ipv4_address"] = value?["ip"]?.DeepClone(),
            });
        }

        var inventory = new JsonObject { ["interfaces"] = interfaces, ["disks"] = new JsonArray() };
        if (data["cpus"] is not null || data["cpu_arch"] is not null)
        {
            inventory["cpu"] = new JsonObject { ["count"] = data["cpus"]?.DeepClone(), ["architecture"] = data["cpu_arch"]?.DeepClone() };
        }

        if (data["memory_mb"] is not null)
        {
            inventory["memory"] = new JsonObject { ["physical_mb"] = data["memory_mb"]?.DeepClone() };
        }

        if (data["ipmi_address"] is not null)
        {
            inventory["bmc_address"] = data["ipmi_address"]?.DeepClone();
        }

        return inventory;
    }

    private static string? UsableAddress(JsonNode? node) =>
        UsableAddress(node is JsonValue v && v.TryGetValue<string>(out var s) ? s : null);

    private static string? UsableAddress(string? value)
    {
        var text = value?.Trim();
        if (string.IsNullOrEmpty(text) || !IPAddress.TryParse(text, out var ip)
            || ip.Equals(IPAddress.Any) || ip.Equals(IPAddress.IPv6Any) || text.Contains('/', StringComparison.Ordinal))
        {
            return null;
        }

        return ip.ToString();
    }

    private static T Expect<T>(JsonNode? node, DataPath path, string expected) where T : JsonNode =>
        node as T ?? throw new RamdiskDataException($"Invalid ramdisk data: {path} must be {expected}, got {Describe(node)}");

    private static void OptionalString(JsonObject parent, string key, DataPath path)
    {
        var kind = parent[key]?.GetValueKind() ?? JsonValueKind.Null;
        if (kind is not (JsonValueKind.Null or JsonValueKind.String))
        {
            throw new RamdiskDataException($"Invalid ramdisk data: {path} must be a string, got {Describe(parent[key])}");
        }
    }

    private static void OptionalInteger(JsonObject parent, string key, DataPath path)
    {
        var node = parent[key];
        var kind = node?.GetValueKind() ?? JsonValueKind.Null;
        var ok = kind == JsonValueKind.Null
            || (kind == JsonValueKind.Number && IsInteger((JsonValue)node!))
            || (kind == JsonValueKind.String && long.TryParse((string?)node, NumberStyles.Integer, CultureInfo.InvariantCulture, out _));
        if (!ok)
        {
            throw new RamdiskDataException($"Invalid ramdisk data: {path} must be an integer, got {Describe(node)}");
        }
    }

    /// <summary>A number as written, without a fraction or exponent, that fits 64 bits.</summary>
    private static bool IsInteger(JsonValue number) =>
        number.TryGetValue<JsonElement>(out var parsed)
            ? parsed.TryGetInt64(out _) // as received: no text to build
            : long.TryParse(number.ToJsonString(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out _);

    private static string Describe(JsonNode? node) => node?.GetValueKind() switch
    {
        null or JsonValueKind.Null => "null",
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "a list",
        JsonValueKind.String => $"the string {Truncate(node.ToJsonString())}",
        _ => Truncate(node.ToJsonString()),
    };

    private static string Truncate(string text) => text.Length > 60 ? text[..60] + "..." : text;

    /// <summary>
    /// Where a checked value sits, e.g. <c>inventory.disks[3].size</c>: spelled out only for an
    /// error message, so checking a valid inventory builds no strings.
    /// </summary>
    private readonly record struct DataPath(string Prefix, int Index = -1, string? Key = null)
    {
        public static implicit operator DataPath(string path) => new(path);

        public DataPath With(string key) => this with { Key = key };

        public override string ToString() =>
            Prefix + (Index >= 0 ? $"[{Index.ToString(CultureInfo.InvariantCulture)}]" : "") + (Key is null ? "" : "." + Key);
    }
}

/// <summary>The ramdisk's data is unusable; the message says why (answered with 400).</summary>
public sealed class RamdiskDataException(string message) : Exception(message);
