namespace Inspector.Grains.Interfaces.Nodes;

/// <summary>
/// Stateless queries over all nodes: resolving an Ironic node name and listing statuses from
/// the status index. A stateless worker, so every silo answers locally and no single activation
/// sits on the request path.
/// </summary>
[Alias("inspector.node-directory")]
public interface INodeDirectoryGrain : IGrainWithIntegerKey
{
    /// <summary>Resolves a UUID or an Ironic node name to the node's UUID through Ironic.</summary>
    [Alias("resolve")]
    Task<NodeResolution> ResolveAsync(string nodeId);

    /// <summary>Stored introspection data (processed or as the ramdisk sent it), or a 404 reason.</summary>
    [Alias("data")]
    Task<IntrospectionDataResult> GetDataAsync(string uuid, bool processed);

    /// <summary>One page of statuses, newest first.</summary>
    [Alias("list")]
    Task<StatusPage> ListAsync(StatusQuery query);
}

[GenerateSerializer, Immutable, Alias("inspector.node-resolution")]
public sealed record NodeResolution(
    [property: Id(0)] string? Uuid,
    [property: Id(1)] CommandOutcome Outcome,
    [property: Id(2)] string? Message);

[GenerateSerializer, Immutable, Alias("inspector.status-query")]
public sealed record StatusQuery(
    [property: Id(0)] int Limit,
    [property: Id(1)] string? Marker,
    [property: Id(2)] IReadOnlyList<IntrospectionState>? States);

[GenerateSerializer, Immutable, Alias("inspector.status-page")]
public sealed record StatusPage(
    [property: Id(0)] IReadOnlyList<NodeStatus> Items,
    [property: Id(1)] bool MarkerNotFound);

[GenerateSerializer, Immutable, Alias("inspector.introspection-data-result")]
public sealed record IntrospectionDataResult([property: Id(0)] string? Json, [property: Id(1)] string? Message);
