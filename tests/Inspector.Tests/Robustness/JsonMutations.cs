using System.Text;
using System.Text.Json.Nodes;

namespace Inspector.Tests.Robustness;

/// <summary>
/// Breaks valid JSON documents the way broken or hostile clients do: keys deleted, values of the
/// wrong type, huge and negative numbers, unicode, deep nesting; then the text itself truncated,
/// or spliced with bytes that are not UTF-8. Every choice comes from the <see cref="Random"/>
/// given, so a seed reproduces a body exactly.
/// </summary>
public static class JsonMutations
{
    /// <summary>Strings that upset parsers and formatters: unicode planes, controls, escapes, lone surrogates.</summary>
    private static readonly string[] NastyStrings =
    [
        "", " ", "\u0000", "\u0001\u001f", "é", "ß", "日本語", "🙂🙃", "\u202egnp.exe", "a\u0301", "\ud800", "\udfff",
        "%s%n%x", "{0}", "'; DROP TABLE nodes; --", "\\", "\"", "../../etc/passwd", "null", "true", "1e400",
        "52:54:00:12:34:56", "192.0.2.10", "::1", "00:00:00:00:00:00", "ff:ff:ff:ff:ff:ff", "/dev/sda", "x86_64",
        "$.inventory.cpu.count", "data://memory_mb", "{{ node.uuid }}", "\r\n", "\t", "NaN", "-Infinity",
    ];

    /// <summary>Number literals, kept as text so that even those no .NET number holds reach the server.</summary>
    private static readonly string[] NastyNumbers =
    [
        "0", "-0", "-1", "1", "2147483647", "2147483648", "-2147483649", "9223372036854775807", "9223372036854775808",
        "-9223372036854775809", "18446744073709551616", "123456789012345678901234567890", "1.5", "-1.5", "1e308",
        "1e309", "-1e400", "1E-400", "0.0000000000000000000001", "4.9e-324",
    ];

    /// <summary>Applies 1 to 4 structural mutations to a copy of <paramref name="document"/>.</summary>
    public static JsonNode? MutateTree(JsonNode document, Random random)
    {
        JsonNode? root = document.DeepClone();
        var count = random.Next(1, 5);
        for (var i = 0; i < count; i++)
        {
            root = MutateOnce(root, random);
        }

        return root;
    }

    /// <summary>The text of <paramref name="node"/>, sometimes broken at the byte level.</summary>
    public static byte[] Serialize(JsonNode? node, Random random)
    {
        var bytes = Encoding.UTF8.GetBytes(node?.ToJsonString() ?? "null");
        return random.Next(4) == 0 ? MutateBytes(bytes, random) : bytes;
    }

    /// <summary>Truncation, flipped bytes, invalid UTF-8, byte order marks, trailing garbage.</summary>
    public static byte[] MutateBytes(byte[] bytes, Random random)
    {
        var list = new List<byte>(bytes);
        switch (random.Next(7))
        {
            case 0 when list.Count > 0:
                list = [.. list.Take(random.Next(list.Count))];
                break;
            case 1:
                for (var i = 0; i < 1 + random.Next(8) && list.Count > 0; i++)
                {
                    list[random.Next(list.Count)] = (byte)random.Next(256);
                }

                break;
            case 2:
                byte[][] invalid = [[0xff], [0xc3, 0x28], [0xed, 0xa0, 0x80], [0xc0, 0xaf], [0xf4, 0x90, 0x80, 0x80], [0x80], [0xe2, 0x82]];
                list.InsertRange(random.Next(list.Count + 1), invalid[random.Next(invalid.Length)]);
                break;
            case 3:
                byte[][] boms = [[0xef, 0xbb, 0xbf], [0xff, 0xfe], [0xfe, 0xff], [0x00, 0x00, 0xfe, 0xff]];
                list.InsertRange(0, boms[random.Next(boms.Length)]);
                break;
            case 4:
                list.AddRange(Encoding.UTF8.GetBytes(random.Next(2) == 0 ? "}" : ",{\"x\":1}"));
                break;
            case 5:
                // A key repeated: JSON allows it, parsers differ on which value wins.
                var text = Encoding.UTF8.GetString([.. list]);
                if (text.StartsWith('{') && text.Length > 2)
                {
                    list = [.. Encoding.UTF8.GetBytes("{\"inventory\":[]," + text[1..])];
                }

                break;
            default:
                list.InsertRange(random.Next(list.Count + 1), Encoding.UTF8.GetBytes(NastyStrings[random.Next(NastyStrings.Length)]));
                break;
        }

        return [.. list];
    }

    /// <summary>A value of any JSON type, chosen to be unexpected wherever it lands.</summary>
    public static JsonNode? WeirdValue(Random random) => random.Next(10) switch
    {
        0 => null,
        1 => JsonValue.Create(random.Next(2) == 0),
        2 => JsonNode.Parse(NastyNumbers[random.Next(NastyNumbers.Length)]),
        3 => JsonValue.Create(NastyStrings[random.Next(NastyStrings.Length)]),
        4 => JsonValue.Create(new string((char)random.Next(0x20, 0xd7ff), random.Next(1, 20_000))),
        5 => new JsonArray(),
        6 => new JsonObject(),
        7 => Nested(random.Next(1, 80)),
        8 => new JsonArray([.. Enumerable.Range(0, random.Next(1, 300)).Select(i => (JsonNode?)JsonValue.Create(i))]),
        _ => new JsonObject { [NastyStrings[random.Next(NastyStrings.Length)]] = JsonValue.Create(random.Next()) },
    };

    /// <summary><paramref name="depth"/> levels of lists and objects around a number.</summary>
    public static JsonNode Nested(int depth)
    {
        JsonNode node = JsonValue.Create(depth);
        for (var i = 0; i < depth; i++)
        {
            node = i % 2 == 0 ? new JsonArray(node) : new JsonObject { ["n"] = node };
        }

        return node;
    }

    private static JsonNode? MutateOnce(JsonNode? root, Random random)
    {
        var containers = new List<JsonNode>();
        Collect(root, containers);
        if (containers.Count == 0 || random.Next(20) == 0)
        {
            return WeirdValue(random); // the whole document replaced
        }

        var target = containers[random.Next(containers.Count)];
        switch (target)
        {
            case JsonObject obj when obj.Count > 0 && random.Next(3) == 0:
                obj.Remove(obj.ElementAt(random.Next(obj.Count)).Key);
                break;
            case JsonObject obj when obj.Count > 0 && random.Next(2) == 0:
                obj[obj.ElementAt(random.Next(obj.Count)).Key] = WeirdValue(random);
                break;
            case JsonObject obj:
                obj[NastyStrings[random.Next(NastyStrings.Length)] + random.Next(100)] = WeirdValue(random);
                break;
            case JsonArray array when array.Count > 0 && random.Next(3) == 0:
                array.RemoveAt(random.Next(array.Count));
                break;
            case JsonArray array when array.Count > 0:
                array[random.Next(array.Count)] = WeirdValue(random);
                break;
            case JsonArray array:
                array.Add(WeirdValue(random));
                break;
        }

        return root;
    }

    private static void Collect(JsonNode? node, List<JsonNode> containers)
    {
        switch (node)
        {
            case JsonObject obj:
                containers.Add(obj);
                foreach (var (_, child) in obj)
                {
                    Collect(child, containers);
                }

                break;
            case JsonArray array:
                containers.Add(array);
                foreach (var child in array)
                {
                    Collect(child, containers);
                }

                break;
        }
    }
}
