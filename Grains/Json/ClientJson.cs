using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Inspector.Grains.Json;

/// <summary>
/// Parses JSON that clients send (ramdisk data, rules, replacement data). Nesting is limited to
/// <see cref="MaxDepth"/> levels, a key given twice in one object is refused, and so is a
/// <c>\u</c> escape of half a surrogate pair: a <see cref="JsonObject"/> would otherwise fail
/// later, when the key or value is read or the document written back, with an exception that is
/// no parse error.
/// </summary>
public static class ClientJson
{
    public const int MaxDepth = 64;

    private static readonly JsonDocumentOptions Options = new() { MaxDepth = MaxDepth, AllowDuplicateProperties = false };

    private static readonly JsonReaderOptions ReaderOptions = new() { MaxDepth = MaxDepth };

    /// <exception cref="JsonException">Not JSON, nested too deeply, a duplicate key, or a lone surrogate escape.</exception>
    public static JsonNode? Parse(string json) => Parse(Encoding.UTF8.GetBytes(json));

    /// <inheritdoc cref="Parse(string)"/>
    public static JsonNode? Parse(ReadOnlySpan<byte> utf8Json)
    {
        JsonNode? node;
        try
        {
            node = JsonNode.Parse(utf8Json, documentOptions: Options);
        }
        catch (InvalidOperationException)
        {
            // The duplicate-key check unescapes every key, and a lone surrogate stops it.
            throw LoneSurrogate();
        }

        // Only a document with a \u escape can hold one; ramdisk inventories rarely have any.
        if (utf8Json.IndexOf("\\u"u8) >= 0)
        {
            CheckEscapes(utf8Json);
        }

        return node;
    }

    /// <summary>Unescapes every escaped string of a document already known to be well formed.</summary>
    private static void CheckEscapes(ReadOnlySpan<byte> utf8Json)
    {
        var reader = new Utf8JsonReader(utf8Json, ReaderOptions);
        while (reader.Read())
        {
            if (reader.TokenType is JsonTokenType.String or JsonTokenType.PropertyName && reader.ValueIsEscaped)
            {
                try
                {
                    reader.GetString();
                }
                catch (InvalidOperationException)
                {
                    throw LoneSurrogate();
                }
            }
        }
    }

    private static JsonException LoneSurrogate() =>
        new("a \\u escape in a string is half of a surrogate pair, which is not a character");
}
