using System.Text.Json;
using System.Text.Json.Serialization;
using Inspector.Grains.Nodes;

namespace Inspector.Grains.Storage;

/// <summary>The JSON form of <see cref="NodeState"/> in the database; states are stored by name.</summary>
public static class NodeStateJson
{
    private static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
    };

    public static string Serialize(NodeState state) => JsonSerializer.Serialize(state, Options);

    public static NodeState Deserialize(string json) =>
        JsonSerializer.Deserialize<NodeState>(json, Options) ?? new NodeState();
}
