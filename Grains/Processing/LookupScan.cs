using System.Text.Json;
using Inspector.Grains.Nodes;

namespace Inspector.Grains.Processing;

/// <summary>
/// The lookup attributes of a ramdisk's post, read with one forward pass over its UTF-8 bytes
/// instead of a JSON tree: the callback only needs them to find the node, whose grain parses
/// and checks the whole document anyway (parsing it twice into trees was a visible share of the
/// service's allocations). Gives exactly what <see cref="RamdiskData.AttributesForLookup"/> gives,
/// or null whenever the document is not plainly valid for that purpose (bad JSON, a field of the
/// wrong type, a repeated key), so the caller falls back to the full parse and its messages.
/// </summary>
public static class LookupScan
{
    public static IReadOnlyList<LookupAttribute>? TryAttributes(ReadOnlySpan<byte> utf8Json)
    {
        try
        {
            var reader = new Utf8JsonReader(utf8Json, new JsonReaderOptions { MaxDepth = 64 });
            return Scan(ref reader);
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            // InvalidOperationException: a string that is not UTF-8, which the full parse refuses.
            return null;
        }
    }

    private static IReadOnlyList<LookupAttribute>? Scan(ref Utf8JsonReader reader)
    {
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            return null;
        }

        Inventory? inventory = null;
        var seenInventory = false;
        var seenIpmi = false;
        var seenFlat = false;
        string? ipmiAddress = null;
        List<string?>? flatMacs = null;
        var flatValid = true;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("inventory"u8))
            {
                if (!Once(ref seenInventory) || !reader.Read() || reader.TokenType != JsonTokenType.StartObject)
                {
                    return null;
                }

                inventory = ScanInventory(ref reader);
                if (inventory is null)
                {
                    return null;
                }
            }
            else if (reader.ValueTextEquals("ipmi_address"u8))
            {
                if (!Once(ref seenIpmi) || !TryReadOptionalString(ref reader, out ipmiAddress))
                {
                    return null;
                }
            }
            else if (reader.ValueTextEquals("interfaces"u8))
            {
                // Only the flat format's interfaces count; the inventory format ignores this key.
                if (!Once(ref seenFlat))
                {
                    return null;
                }

                reader.Read();
                if (reader.TokenType == JsonTokenType.StartObject)
                {
                    flatMacs = ScanFlatInterfaces(ref reader);
                    flatValid = flatMacs is not null;
                }
                else if (reader.TokenType != JsonTokenType.Null)
                {
                    flatValid = false;
                    reader.Skip();
                }
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }

        if (reader.TokenType != JsonTokenType.EndObject || reader.Read())
        {
            return null;
        }

        if (inventory is not null)
        {
            return RamdiskData.LookupAttributesFrom(
                inventory.HasBmcAddress ? inventory.BmcAddress : ipmiAddress, inventory.BmcV6Address, inventory.Macs);
        }

        return flatValid ? RamdiskData.LookupAttributesFrom(ipmiAddress, null, flatMacs ?? []) : null;
    }

    private static Inventory? ScanInventory(ref Utf8JsonReader reader)
    {
        var inventory = new Inventory();
        var seenV6 = false;
        var seenInterfaces = false;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("bmc_address"u8))
            {
                var seen = inventory.HasBmcAddress;
                if (!Once(ref seen) || !TryReadOptionalString(ref reader, out var address))
                {
                    return null;
                }

                inventory.HasBmcAddress = true;
                inventory.BmcAddress = address;
            }
            else if (reader.ValueTextEquals("bmc_v6address"u8))
            {
                if (!Once(ref seenV6) || !TryReadOptionalString(ref reader, out var address))
                {
                    return null;
                }

                inventory.BmcV6Address = address;
            }
            else if (reader.ValueTextEquals("interfaces"u8))
            {
                if (!Once(ref seenInterfaces) || !ScanInterfaceList(ref reader, inventory.Macs))
                {
                    return null;
                }
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }

        return inventory;
    }

    /// <summary><c>inventory.interfaces</c>: null, or a list of objects whose <c>mac_address</c> is a string or null.</summary>
    private static bool ScanInterfaceList(ref Utf8JsonReader reader, List<string?> macs)
    {
        reader.Read();
        if (reader.TokenType == JsonTokenType.Null)
        {
            return true;
        }

        if (reader.TokenType != JsonTokenType.StartArray)
        {
            return false;
        }

        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            if (reader.TokenType != JsonTokenType.StartObject || !TryScanInterface(ref reader, "mac_address"u8, out var mac))
            {
                return false;
            }

            macs.Add(mac);
        }

        return true;
    }

    /// <summary>The flat format's <c>interfaces</c>: an object of interfaces by name, each with a string or null <c>mac</c>.</summary>
    private static List<string?>? ScanFlatInterfaces(ref Utf8JsonReader reader)
    {
        var macs = new List<string?>();
        var names = new HashSet<string>(StringComparer.Ordinal);
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (!names.Add(reader.GetString()!) || !reader.Read() || reader.TokenType != JsonTokenType.StartObject
                || !TryScanInterface(ref reader, "mac"u8, out var mac))
            {
                return null;
            }

            macs.Add(mac);
        }

        return macs;
    }

    /// <summary>One interface object (the reader on its start): the MAC field's value, lower-cased.</summary>
    private static bool TryScanInterface(ref Utf8JsonReader reader, ReadOnlySpan<byte> macKey, out string? mac)
    {
        mac = null;
        var seen = false;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals(macKey))
            {
                if (!Once(ref seen) || !TryReadOptionalString(ref reader, out mac))
                {
                    return false;
                }

                mac = mac?.ToLowerInvariant();
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }

        return true;
    }

    /// <summary>Reads a property's value that must be a string or null.</summary>
    private static bool TryReadOptionalString(ref Utf8JsonReader reader, out string? value)
    {
        value = null;
        reader.Read();
        switch (reader.TokenType)
        {
            case JsonTokenType.String:
                value = reader.GetString();
                return true;
            case JsonTokenType.Null:
                return true;
            default:
                return false;
        }
    }

    /// <summary>False the second time a key is met: a repeated key goes to the full parse, which decides.</summary>
    private static bool Once(ref bool seen)
    {
        if (seen)
        {
            return false;
        }

        seen = true;
        return true;
    }

    private sealed class Inventory
    {
        public bool HasBmcAddress { get; set; }

        public string? BmcAddress { get; set; }

        public string? BmcV6Address { get; set; }

        public List<string?> Macs { get; } = [];
    }
}
