using System.Text;
using System.Text.Json.Nodes;

namespace Inspector.Grains.Rules;

/// <summary>
/// Python's <c>str.format(data=...)</c> as rule actions use it: <c>{data[inventory][bmc_address]}</c>
/// is replaced by that value of the introspection data; <c>{{</c> and <c>}}</c> are literal
/// braces. Strings nested in objects and lists are formatted too (API 1.14).
/// </summary>
public static class RuleFormatter
{
    /// <exception cref="RuleFormatException">A placeholder names a missing key or is malformed.</exception>
    public static JsonNode? Format(JsonNode? value, JsonObject data) => value switch
    {
        JsonValue v when v.TryGetValue<string>(out var text) => FormatString(text, data),
        JsonObject o => FormatObject(o, data),
        JsonArray a => new JsonArray([.. a.Select(item => Format(item, data))]),
        _ => value?.DeepClone(),
    };

    /// <summary>Keys are formatted as well as values (a later duplicate key wins, as in a Python dict).</summary>
    private static JsonObject FormatObject(JsonObject value, JsonObject data)
    {
        var result = new JsonObject();
        foreach (var (key, item) in value)
        {
            result[FormatString(key, data)] = Format(item, data);
        }

        return result;
    }

    public static string FormatString(string text, JsonObject data)
    {
        var result = new StringBuilder(text.Length);
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (c == '{' && i + 1 < text.Length && text[i + 1] == '{')
            {
                result.Append('{');
                i++;
            }
            else if (c == '}' && i + 1 < text.Length && text[i + 1] == '}')
            {
                result.Append('}');
                i++;
            }
            else if (c == '{')
            {
                var close = text.IndexOf('}', i);
                if (close < 0)
                {
                    throw new RuleFormatException($"Single '{{' encountered in format string: {text}");
                }

                result.Append(Resolve(text[(i + 1)..close], data, text));
                i = close;
            }
            else if (c == '}')
            {
                throw new RuleFormatException($"Single '}}' encountered in format string: {text}");
            }
            else
            {
                result.Append(c);
            }
        }

        return result.ToString();
    }

    private static string Resolve(string field, JsonObject data, string text)
    {
        var spec = field.IndexOf(':', StringComparison.Ordinal);
        var expression = spec >= 0 ? field[..spec] : field;
        if (!expression.StartsWith("data", StringComparison.Ordinal))
        {
            throw new RuleFormatException($"Invalid formatting variable key provided in value {text}: '{expression}' (only data[...] is available)");
        }

        JsonNode? current = data;
        var rest = expression[4..];
        while (rest.Length > 0)
        {
            if (rest[0] != '[' || rest.IndexOf(']', StringComparison.Ordinal) is var close && close < 0)
            {
                throw new RuleFormatException($"Invalid formatting variable key provided in value {text}: '{expression}'");
            }

            var key = rest[1..close];
            rest = rest[(close + 1)..];
            current = current switch
            {
                JsonObject o when o.ContainsKey(key) => o[key],
                JsonArray a when int.TryParse(key, out var index) && index >= 0 && index < a.Count => a[index],
                _ => throw new RuleFormatException($"Invalid formatting variable key provided in value {text}: key '{key}' is missing from the introspection data"),
            };
        }

        return PythonText.Str(current);
    }
}

public sealed class RuleFormatException(string message) : Exception(message);
