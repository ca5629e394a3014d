using System.Globalization;
using System.Numerics;
using System.Text.Json;
using System.Text.Json.Nodes;
using Inspector.Grains.Configuration;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Inspector.Grains.Processing.Hooks;

/// <summary>
/// <c>extra_hardware</c>: turns the <c>data</c> list the hardware-detect tool of the ramdisk sends
/// (items <c>[category, item, key, value]</c>) into the nested object <c>extra</c>
/// (<c>extra[category][item][key] = value</c>, values that read as integers made integers),
/// which introspection rules can match, and drops <c>data</c>.
/// </summary>
/// <remarks>
/// As in the reference: data that is not a list of lists (in strict mode: of exactly four
/// items) is not converted and is kept, unless strict mode is on, which drops it. Without
/// strict mode, empty items are skipped, and an item too short to convert is skipped with a
/// warning after the levels it did name were created; longer items use their first four values.
/// </remarks>
public sealed class ExtraHardwareHook(IOptions<ExtraHardwareOptions> options, ILogger<ExtraHardwareHook> logger) : IProcessingHook
{
    private const int ItemSize = 4;

    public string Name => "extra_hardware";

    public void BeforeUpdate(ProcessingContext context)
    {
        var introspectionData = context.Data.Data;
        if (!introspectionData.ContainsKey("data"))
        {
            logger.LogWarning("Node {Node}: no extra hardware information was received from the ramdisk", context.NodeUuid);
            return;
        }

        var data = introspectionData["data"];
        if (!IsValid(data))
        {
            logger.LogWarning(
                "Node {Node}: extra hardware data was not in a recognised format (eDeploy), and will not be forwarded to introspection rules",
                context.NodeUuid);
            if (options.Value.Strict)
            {
                introspectionData.Remove("data");
            }

            return;
        }

        var converted = new JsonObject();
        foreach (var item in ((JsonArray)data!).Cast<JsonArray>())
        {
            if (item.Count == 0)
            {
                continue;
            }

            // Each level exists as soon as the item names it, as with the reference's setdefault.
            var level0 = Child(converted, Key(item[0]));
            if (item.Count < 2)
            {
                WarnInvalid(context, item);
                continue;
            }

            var level1 = Child(level0, Key(item[1]));
            if (item.Count < ItemSize)
            {
                WarnInvalid(context, item);
                continue;
            }

            var key = Key(item[2]);
            level1[key] = ToIntegerOrSelf(item[3]);
        }

        introspectionData["extra"] = converted;
        introspectionData.Remove("data");
    }

    private bool IsValid(JsonNode? data) =>
        data is JsonArray items && items.All(i => i is JsonArray item && (!options.Value.Strict || item.Count == ItemSize));

    private void WarnInvalid(ProcessingContext context, JsonArray item) =>
        logger.LogWarning("Node {Node}: ignoring invalid extra data item {Item}", context.NodeUuid, item.ToJsonString());

    private static JsonObject Child(JsonObject parent, string key)
    {
        if (parent[key] is JsonObject existing)
        {
            return existing;
        }

        var child = new JsonObject();
        parent[key] = child;
        return child;
    }

    /// <summary>A value as the key it becomes once the reference's dictionary is stored as JSON; lists and objects cannot be keys.</summary>
    private static string Key(JsonNode? value) => value?.GetValueKind() switch
    {
        null or JsonValueKind.Null => "null",
        JsonValueKind.String => value.GetValue<string>(),
        JsonValueKind.True => "true",
        JsonValueKind.False => "false",
        JsonValueKind.Number => value.ToJsonString(),
        var kind => throw new ProcessingException(
            $"Unexpected exception TypeError during processing: unhashable type: '{(kind == JsonValueKind.Array ? "list" : "dict")}' " +
            $"in extra hardware data item key {value.ToJsonString()}"),
    };

    /// <summary>Python's <c>int(value)</c> where it succeeds (truncating numbers, parsing integer strings); the value itself otherwise.</summary>
    private static JsonNode? ToIntegerOrSelf(JsonNode? value)
    {
        switch (value?.GetValueKind())
        {
            case JsonValueKind.True:
                return JsonValue.Create(1);
            case JsonValueKind.False:
                return JsonValue.Create(0);
            case JsonValueKind.Number:
                var raw = value.ToJsonString();
                if (BigInteger.TryParse(raw, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var integer))
                {
                    return Integer(integer);
                }

                var number = double.Parse(raw, NumberStyles.Float, CultureInfo.InvariantCulture);
                return double.IsFinite(number) ? Integer(new BigInteger(Math.Truncate(number))) : value.DeepClone();
            case JsonValueKind.String:
                return PythonInt(value.GetValue<string>()) is { } parsed ? Integer(parsed) : value.DeepClone();
            default:
                return value?.DeepClone();
        }
    }

    private static JsonNode Integer(BigInteger value) =>
        value >= long.MinValue && value <= long.MaxValue
            ? JsonValue.Create((long)value)
            : JsonNode.Parse(value.ToString(CultureInfo.InvariantCulture))!;

    /// <summary>
    /// Python's <c>int(text)</c> in base 10: surrounding white space, an optional sign, decimal
    /// digits (any script) with single underscores between them.
    /// </summary>
    private static BigInteger? PythonInt(string text)
    {
        var s = text.Trim();
        var start = s.Length > 0 && (s[0] == '+' || s[0] == '-') ? 1 : 0;
        if (start == s.Length)
        {
            return null;
        }

        var result = BigInteger.Zero;
        var previousWasDigit = false;
        for (var i = start; i < s.Length; i++)
        {
            var c = s[i];
            if (c == '_')
            {
                if (!previousWasDigit || i == s.Length - 1)
                {
                    return null;
                }

                previousWasDigit = false;
                continue;
            }

            if (!char.IsDigit(c))
            {
                return null;
            }

            result = result * 10 + (int)char.GetNumericValue(c);
            previousWasDigit = true;
        }

        return s[0] == '-' ? -result : result;
    }
}
