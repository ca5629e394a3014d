using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Inspector.Grains.Processing.Hooks;

/// <summary>How the reference (Python) reads JSON values, where hooks depend on it.</summary>
internal static class PythonValues
{
    /// <summary>What Python treats as false: absent, null, false, zero, and empty strings, lists and objects.</summary>
    public static bool IsFalsy(JsonNode? value) => value?.GetValueKind() switch
    {
        null or JsonValueKind.Null or JsonValueKind.False => true,
        JsonValueKind.Number => double.Parse(value.ToJsonString(), NumberStyles.Float, CultureInfo.InvariantCulture) == 0,
        JsonValueKind.String => value.GetValue<string>().Length == 0,
        JsonValueKind.Array => value.AsArray().Count == 0,
        JsonValueKind.Object => value.AsObject().Count == 0,
        _ => false,
    };
}
