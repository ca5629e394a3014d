using System.Globalization;
using System.Numerics;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Inspector.Grains.Processing.Hooks;

/// <summary>
/// Reads the block-style subset of YAML that files like ironic-inspector's
/// <c>known_accelerators.yaml</c> use: nested block mappings and sequences (<c>- key: value</c>
/// items included), plain, single- and double-quoted one-line scalars, comments and a leading
/// <c>---</c>. Plain scalars resolve as PyYAML's <c>safe_load</c> does (YAML 1.1: null, booleans
/// such as <c>yes</c>/<c>off</c>, integers in decimal, octal, hex or binary, floats), so an unquoted
/// <c>8086</c> is a number, as in the reference. A document that is JSON (starting with <c>{</c> or
/// <c>[</c>) is read as JSON. Anything else (anchors, tags, block scalars, multi-line scalars,
/// non-JSON flow collections) is refused with <see cref="FormatException"/>.
/// </summary>
internal static partial class SimpleYaml
{
    private sealed record Line(int Number, int Indent, string Content);

    public static JsonNode? Parse(string text)
    {
        var trimmed = text.TrimStart('\uFEFF', ' ', '\t', '\r', '\n');
        if (trimmed.StartsWith('{') || trimmed.StartsWith('['))
        {
            try
            {
                return JsonNode.Parse(trimmed);
            }
            catch (JsonException e)
            {
                throw new FormatException($"invalid JSON: {e.Message}");
            }
        }

        var lines = Lines(text);
        if (lines.Count == 0)
        {
            return null;
        }

        var i = 0;
        var result = Block(lines, ref i, lines[0].Indent);
        if (i < lines.Count)
        {
            throw Unsupported(lines[i], "unexpected indentation or content");
        }

        return result;
    }

    private static List<Line> Lines(string text)
    {
        var lines = new List<Line>();
        var raw = text.TrimStart('\uFEFF').Split('\n');
        for (var n = 0; n < raw.Length; n++)
        {
            var line = raw[n].TrimEnd('\r');
            var indent = line.Length - line.TrimStart(' ').Length;
            var content = line[indent..].TrimEnd(' ', '\t');
            if (content.Length == 0 || content[0] == '#')
            {
                continue;
            }

            var entry = new Line(n + 1, indent, content);
            if (content[0] == '\t')
            {
                throw Unsupported(entry, "tabs cannot indent YAML");
            }

            if (indent == 0 && (content == "---" || content.StartsWith("--- ", StringComparison.Ordinal)))
            {
                if (lines.Count > 0 || content[3..].Trim() is { Length: > 0 } rest && rest[0] != '#')
                {
                    throw Unsupported(entry, "only one document without content after '---' is supported");
                }

                continue;
            }

            if (indent == 0 && (content == "..." || content.StartsWith("... ", StringComparison.Ordinal)))
            {
                break;
            }

            if (indent == 0 && content[0] == '%')
            {
                throw Unsupported(entry, "directives are not supported");
            }

            lines.Add(entry);
        }

        return lines;
    }

    private static JsonNode? Block(List<Line> lines, ref int i, int indent)
    {
        var line = lines[i];
        if (IsSequenceEntry(line.Content))
        {
            return Sequence(lines, ref i, indent);
        }

        if (SplitKey(line) is not null)
        {
            return Mapping(lines, ref i, indent);
        }

        i++;
        return Value(line, line.Content);
    }

    private static JsonArray Sequence(List<Line> lines, ref int i, int indent)
    {
        var sequence = new JsonArray();
        while (i < lines.Count && lines[i].Indent == indent && IsSequenceEntry(lines[i].Content))
        {
            var line = lines[i];
            var rest = line.Content[1..];
            var inner = rest.TrimStart(' ');
            if (inner.Length == 0 || inner[0] == '#')
            {
                i++;
                sequence.Add(i < lines.Count && lines[i].Indent > indent ? Block(lines, ref i, lines[i].Indent) : null);
                continue;
            }

            // "- key: value" starts a mapping (or "- - x" a sequence) at the column of its content.
            var column = indent + 1 + (rest.Length - inner.Length);
            lines[i] = line with { Indent = column, Content = inner };
            sequence.Add(Block(lines, ref i, column));
        }

        return sequence;
    }

    private static JsonObject Mapping(List<Line> lines, ref int i, int indent)
    {
        var mapping = new JsonObject();
        while (i < lines.Count && lines[i].Indent == indent && !IsSequenceEntry(lines[i].Content))
        {
            var line = lines[i];
            var (key, rest) = SplitKey(line) ?? throw Unsupported(line, "expected 'key: value'");
            i++;
            if (rest.Length > 0 && rest[0] != '#')
            {
                mapping[key] = Value(line, rest);
            }
            else if (i < lines.Count && lines[i].Indent > indent)
            {
                mapping[key] = Block(lines, ref i, lines[i].Indent);
            }
            else if (i < lines.Count && lines[i].Indent == indent && IsSequenceEntry(lines[i].Content))
            {
                mapping[key] = Sequence(lines, ref i, indent);
            }
            else
            {
                mapping[key] = null;
            }
        }

        return mapping;
    }

    private static bool IsSequenceEntry(string content) => content == "-" || content.StartsWith("- ", StringComparison.Ordinal);

    /// <summary>The key of a <c>key: value</c> line and what follows the colon (trimmed), or null when the line is no mapping entry.</summary>
    private static (string Key, string Remainder)? SplitKey(Line line)
    {
        var content = line.Content;
        if (content[0] is '"' or '\'')
        {
            var (key, end) = Quoted(line, content);
            var after = content[end..].TrimStart(' ');
            return after.Length > 0 && after[0] == ':' && (after.Length == 1 || after[1] == ' ')
                ? (key, after[1..].Trim(' '))
                : null;
        }

        for (var c = 0; c < content.Length; c++)
        {
            if (content[c] == '#' && c > 0 && content[c - 1] == ' ')
            {
                return null;
            }

            if (content[c] == ':' && (c + 1 == content.Length || content[c + 1] == ' '))
            {
                var key = content[..c].TrimEnd(' ');
                return key.Length == 0 ? null : (Text(Value(line, key)), content[(c + 1)..].Trim(' '));
            }
        }

        return null;
    }

    /// <summary>A scalar, or an empty or JSON flow collection, with an optional trailing comment.</summary>
    private static JsonNode? Value(Line line, string text)
    {
        if (text[0] is '"' or '\'')
        {
            var (value, end) = Quoted(line, text);
            var after = text[end..].TrimStart(' ');
            return after.Length == 0 || after[0] == '#' ? JsonValue.Create(value) : throw Unsupported(line, "text after a quoted scalar");
        }

        var comment = text.IndexOf(" #", StringComparison.Ordinal);
        var plain = (comment < 0 ? text : text[..comment]).TrimEnd(' ', '\t');
        if (plain[0] is '[' or '{')
        {
            try
            {
                return JsonNode.Parse(plain);
            }
            catch (JsonException)
            {
                throw Unsupported(line, "flow collections are only supported in JSON form");
            }
        }

        if (plain.Contains(": ", StringComparison.Ordinal) || plain.EndsWith(':'))
        {
            throw Unsupported(line, "mapping values are not allowed here");
        }

        if (plain[0] is '&' or '*' or '!' or '|' or '>' or '%' or '@' or '`' or '?' || IsSequenceEntry(plain))
        {
            throw Unsupported(line, $"'{plain[0]}' (anchors, aliases, tags, block scalars, complex keys) is not supported");
        }

        return Resolve(plain);
    }

    /// <summary>A quoted scalar at the start of <paramref name="text"/>, and the index after its closing quote.</summary>
    private static (string Value, int End) Quoted(Line line, string text)
    {
        var quote = text[0];
        var value = new StringBuilder();
        for (var c = 1; c < text.Length; c++)
        {
            var ch = text[c];
            if (quote == '\'')
            {
                if (ch != '\'')
                {
                    value.Append(ch);
                }
                else if (c + 1 < text.Length && text[c + 1] == '\'')
                {
                    value.Append('\'');
                    c++;
                }
                else
                {
                    return (value.ToString(), c + 1);
                }

                continue;
            }

            if (ch == '"')
            {
                return (value.ToString(), c + 1);
            }

            if (ch != '\\')
            {
                value.Append(ch);
                continue;
            }

            if (++c >= text.Length)
            {
                break;
            }

            switch (text[c])
            {
                case '0': value.Append('\0'); break;
                case 'a': value.Append('\a'); break;
                case 'b': value.Append('\b'); break;
                case 't' or '\t': value.Append('\t'); break;
                case 'n': value.Append('\n'); break;
                case 'v': value.Append('\v'); break;
                case 'f': value.Append('\f'); break;
                case 'r': value.Append('\r'); break;
                case 'e': value.Append('\u001b'); break;
                case ' ': value.Append(' '); break;
                case '"': value.Append('"'); break;
                case '/': value.Append('/'); break;
                case '\\': value.Append('\\'); break;
                case 'N': value.Append('\u0085'); break;
                case '_': value.Append('\u00a0'); break;
                case 'L': value.Append('\u2028'); break;
                case 'P': value.Append('\u2029'); break;
                case 'x' or 'u' or 'U':
                    var digits = text[c] switch { 'x' => 2, 'u' => 4, _ => 8 };
                    if (c + digits >= text.Length
                        || !int.TryParse(text.AsSpan(c + 1, digits), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var code)
                        || code > 0x10FFFF)
                    {
                        throw Unsupported(line, "invalid escape in a double-quoted scalar");
                    }

                    value.Append(char.ConvertFromUtf32(code));
                    c += digits;
                    break;
                default:
                    throw Unsupported(line, $"unknown escape '\\{text[c]}' in a double-quoted scalar");
            }
        }

        throw Unsupported(line, "quoted scalars must end on the line they start on");
    }

    /// <summary>PyYAML's implicit resolution of a plain scalar (YAML 1.1 core types).</summary>
    private static JsonNode? Resolve(string plain)
    {
        if (plain is "~" or "null" or "Null" or "NULL")
        {
            return null;
        }

        if (BoolPattern().IsMatch(plain))
        {
            return JsonValue.Create(plain[0] is 'y' or 'Y' or 't' or 'T' || plain is "on" or "On" or "ON");
        }

        if (IntPattern().IsMatch(plain))
        {
            return Integer(plain);
        }

        if (FloatPattern().IsMatch(plain))
        {
            var number = Float(plain);
            return double.IsFinite(number) ? JsonValue.Create(number) : JsonValue.Create(plain);
        }

        return JsonValue.Create(plain);
    }

    private static JsonNode Integer(string plain)
    {
        var text = plain.Replace("_", "", StringComparison.Ordinal);
        var sign = BigInteger.One;
        if (text[0] is '-' or '+')
        {
            sign = text[0] == '-' ? BigInteger.MinusOne : BigInteger.One;
            text = text[1..];
        }

        BigInteger value;
        if (text == "0")
        {
            value = 0;
        }
        else if (text.StartsWith("0b", StringComparison.Ordinal))
        {
            value = Digits(text[2..], 2);
        }
        else if (text.StartsWith("0x", StringComparison.Ordinal))
        {
            value = Digits(text[2..], 16);
        }
        else if (text[0] == '0')
        {
            value = Digits(text[1..], 8);
        }
        else if (text.Contains(':', StringComparison.Ordinal))
        {
            value = text.Split(':').Aggregate(BigInteger.Zero, (sum, part) => sum * 60 + Digits(part, 10));
        }
        else
        {
            value = Digits(text, 10);
        }

        value *= sign;
        return value >= long.MinValue && value <= long.MaxValue
            ? JsonValue.Create((long)value)
            : JsonNode.Parse(value.ToString(CultureInfo.InvariantCulture))!;
    }

    private static BigInteger Digits(string digits, int radix) =>
        digits.Aggregate(BigInteger.Zero, (sum, d) => sum * radix + Convert.ToInt32(d.ToString(), 16));

    private static double Float(string plain)
    {
        var text = plain.Replace("_", "", StringComparison.Ordinal).ToLowerInvariant();
        var sign = 1.0;
        if (text[0] is '-' or '+')
        {
            sign = text[0] == '-' ? -1 : 1;
            text = text[1..];
        }

        if (text == ".inf")
        {
            return sign * double.PositiveInfinity;
        }

        if (text == ".nan")
        {
            return double.NaN;
        }

        if (text.Contains(':', StringComparison.Ordinal))
        {
            return sign * text.Split(':').Aggregate(0.0, (sum, part) => sum * 60 + double.Parse(part, CultureInfo.InvariantCulture));
        }

        return sign * double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture);
    }

    private static string Text(JsonNode? key) => key switch
    {
        null => "null",
        JsonValue v when v.GetValueKind() == JsonValueKind.String => v.GetValue<string>(),
        _ => key.ToJsonString(),
    };

    private static FormatException Unsupported(Line line, string what) => new($"line {line.Number}: {what}");

    [GeneratedRegex("^(?:yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF)$")]
    private static partial Regex BoolPattern();

    [GeneratedRegex("^(?:[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+|[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+)$")]
    private static partial Regex IntPattern();

    [GeneratedRegex(@"^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?|\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$")]
    private static partial Regex FloatPattern();
}
