using System.Text;
using System.Text.Json.Nodes;

namespace Inspector.Grains.Rules;

/// <summary>
/// The JSONPath subset rule fields use (as jsonpath_rw reads them): an optional <c>$</c>, dotted
/// names (quoted when they hold dots), <c>[n]</c> indexes, <c>*</c> and <c>[*]</c> wildcards, and
/// <c>..</c> for descendants. <c>inventory.disks[*].size</c> yields every disk's size. As in
/// jsonpath_rw, <c>.*</c> yields the values of an object (nothing for a list) and <c>[*]</c> the
/// items of a list (an object, string or integer is taken as a list of itself).
/// </summary>
public sealed class JsonPath
{
    private readonly IReadOnlyList<Step> _steps;

    private JsonPath(IReadOnlyList<Step> steps) => _steps = steps;

    private abstract record Step;

    private sealed record Field(string Name) : Step;

    private sealed record Index(int Value) : Step;

    /// <summary><c>*</c>: every value of an object.</summary>
    private sealed record Wildcard : Step;

    /// <summary><c>[*]</c>: every item of a list.</summary>
    private sealed record AllItems : Step;

    private sealed record Descendants : Step;

    /// <exception cref="FormatException">The path cannot be parsed.</exception>
    public static JsonPath Parse(string path)
    {
        var steps = new List<Step>();
        var i = 0;
        var text = path.Trim();
        if (text.Length == 0)
        {
            throw new FormatException("empty path");
        }

        if (text[0] == '$')
        {
            i = 1;
            if (i < text.Length && text[i] != '.' && text[i] != '[')
            {
                throw new FormatException($"unexpected '{text[i]}' at {i}");
            }
        }
        else
        {
            i = ReadName(text, i, steps);
        }

        while (i < text.Length)
        {
            switch (text[i])
            {
                case '.' when i + 1 < text.Length && text[i + 1] == '.':
                    steps.Add(new Descendants());
                    i = ReadName(text, i + 2, steps);
                    break;
                case '.':
                    i = ReadName(text, i + 1, steps);
                    break;
                case '[':
                    var close = text.IndexOf(']', i);
                    if (close < 0)
                    {
                        throw new FormatException($"unclosed '[' at {i}");
                    }

                    var inside = text[(i + 1)..close].Trim();
                    if (inside == "*")
                    {
                        steps.Add(new AllItems());
                    }
                    else if (int.TryParse(inside, System.Globalization.NumberStyles.AllowLeadingSign, System.Globalization.CultureInfo.InvariantCulture, out var index))
                    {
                        steps.Add(new Index(index));
                    }
                    else if (inside.Length >= 2 && inside[0] is '\'' or '"' && inside[^1] == inside[0])
                    {
                        steps.Add(new Field(inside[1..^1]));
                    }
                    else
                    {
                        throw new FormatException($"invalid index '{inside}'");
                    }

                    i = close + 1;
                    break;
                default:
                    throw new FormatException($"unexpected '{text[i]}' at {i}");
            }
        }

        return new JsonPath(steps);
    }

    /// <summary>Every value the path reaches (null values included).</summary>
    public IReadOnlyList<JsonNode?> Find(JsonNode? root)
    {
        IEnumerable<JsonNode?> current = [root];
        for (var s = 0; s < _steps.Count; s++)
        {
            var step = _steps[s];
            current = step switch
            {
                Field f => current.OfType<JsonObject>().Where(o => o.ContainsKey(f.Name)).Select(o => o[f.Name]),
                Index x => current.OfType<JsonArray>().Where(a => x.Value < a.Count && x.Value >= -a.Count)
                    .Select(a => a[x.Value >= 0 ? x.Value : a.Count + x.Value]),
                Wildcard => current.SelectMany(n => n is JsonObject o ? o.Select(p => p.Value) : []),
                AllItems => current.SelectMany(Items),
                Descendants => current.SelectMany(SelfAndDescendants),
                _ => [],
            };
        }

        return [.. current];
    }

    private static IEnumerable<JsonNode?> Items(JsonNode? node)
    {
        if (node is JsonArray list)
        {
            return list;
        }

        var kind = node?.GetValueKind();
        var itself = node is JsonObject || kind == System.Text.Json.JsonValueKind.String
            || (kind == System.Text.Json.JsonValueKind.Number
                && long.TryParse(node!.ToJsonString(), System.Globalization.NumberStyles.AllowLeadingSign, System.Globalization.CultureInfo.InvariantCulture, out _));
        return itself ? new[] { node } : [];
    }

    private static IEnumerable<JsonNode?> Children(JsonNode? node) => node switch
    {
        JsonObject o => o.Select(p => p.Value),
        JsonArray a => a,
        _ => [],
    };

    private static IEnumerable<JsonNode?> SelfAndDescendants(JsonNode? node)
    {
        yield return node;
        foreach (var child in Children(node))
        {
            foreach (var descendant in SelfAndDescendants(child))
            {
                yield return descendant;
            }
        }
    }

    private static int ReadName(string text, int i, List<Step> steps)
    {
        if (i < text.Length && text[i] is '\'' or '"')
        {
            var quote = text[i];
            var end = text.IndexOf(quote, i + 1);
            if (end < 0)
            {
                throw new FormatException($"unclosed quote at {i}");
            }

            steps.Add(new Field(text[(i + 1)..end]));
            return end + 1;
        }

        var name = new StringBuilder();
        while (i < text.Length && text[i] is not ('.' or '['))
        {
            if (char.IsWhiteSpace(text[i]) || text[i] is ']' or '(' or ')' or '|' or '&' or '`')
            {
                throw new FormatException($"unexpected '{text[i]}' at {i}");
            }

            name.Append(text[i++]);
        }

        if (name.Length == 0)
        {
            throw new FormatException($"a name is missing at {i}");
        }

        steps.Add(name.ToString() == "*" ? new Wildcard() : new Field(name.ToString()));
        return i;
    }
}
