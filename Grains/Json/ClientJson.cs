using System.Text.Json;
using System.Text.Json.Nodes;

namespace Inspector.Grains.Json;

/// <summary>
/// Parses JSON that clients send (ramdisk data, rules, replacement data). Nesting is limited to
/// <see cref="MaxDepth"/> levels, and a key given twice in one object is refused: a
/// <see cref="JsonObject"/> would otherwise fail later, with an exception that is no parse error.
/// </summary>
public static class ClientJson
{
    public const int MaxDepth = 64;

    private static readonly JsonDocumentOptions Options = new() { MaxDepth = MaxDepth, AllowDuplicateProperties = false };

    /// <exception cref="JsonException">Not JSON, nested too deeply, or a duplicate key.</exception>
    public static JsonNode? Parse(string json) => JsonNode.Parse(json, documentOptions: Options);

    /// <inheritdoc cref="Parse(string)"/>
    public static JsonNode? Parse(ReadOnlySpan<byte> utf8Json) => JsonNode.Parse(utf8Json, documentOptions: Options);
}
