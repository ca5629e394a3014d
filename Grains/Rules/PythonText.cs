using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Inspector.Grains.Rules;

/// <summary>
/// Values as Python's <c>str()</c> prints them, because rules written for ironic-inspector
/// match regular expressions against, and format messages from, that text.
/// </summary>
public static class PythonText
{
    public static string Str(JsonNode? node) => node?.GetValueKind() switch
    {
        null or JsonValueKind.Null => "None",
        JsonValueKind.True => "True",
        JsonValueKind.False => "False",
        JsonValueKind.String => (string)node!,
        JsonValueKind.Number => Number(node!),
        _ => Repr(node),
    };

    public static string Repr(JsonNode? node)
    {
        switch (node?.GetValueKind())
        {
            case JsonValueKind.String:
                var s = (string)node!;
                return s.Contains('\'', StringComparison.Ordinal) && !s.Contains('"', StringComparison.Ordinal)
                    ? $"\"{s}\""
                    : $"'{s.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("'", "\\'", StringComparison.Ordinal)}'";
            case JsonValueKind.Object:
                var o = new StringBuilder("{");
                o.AppendJoin(", ", node!.AsObject().Select(p => $"'{p.Key}': {Repr(p.Value)}"));
                return o.Append('}').ToString();
            case JsonValueKind.Array:
                var a = new StringBuilder("[");
                a.AppendJoin(", ", node!.AsArray().Select(Repr));
                return a.Append(']').ToString();
            default:
                return Str(node);
        }
    }

    private static string Number(JsonNode node)
    {
        var raw = node.ToJsonString();
        if (long.TryParse(raw, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var integer))
        {
            return integer.ToString(CultureInfo.InvariantCulture);
        }

        var value = node.GetValue<double>();
        var text = value.ToString("R", CultureInfo.InvariantCulture);
        return text.Contains('.', StringComparison.Ordinal) || text.Contains('E', StringComparison.Ordinal) ? text.Replace("E", "e", StringComparison.Ordinal) : text + ".0";
    }
}
