namespace Inspector.Grains.Interfaces.Nodes;

/// <summary>The introspection status of one node, as GET /v1/introspection/{node} shows it.</summary>
[GenerateSerializer, Immutable, Alias("inspector.node-status")]
public sealed record NodeStatus(
    [property: Id(0)] string Uuid,
    [property: Id(1)] IntrospectionState State,
    [property: Id(2)] DateTime StartedAt,
    [property: Id(3)] DateTime? FinishedAt,
    [property: Id(4)] string? Error)
{
    public bool Finished => FinishedAt is not null;
}
