using Inspector.Grains.Interfaces.Nodes;
using Inspector.Grains.Nodes;

namespace Inspector.Grains.Storage;

/// <summary>A node's persisted state with the version that guards concurrent writers.</summary>
public sealed record StoredNode(NodeState State, long ETag);

/// <summary>
/// Durable home of the node grains' state and of the two indexes built from it: the status index
/// (list order, state filter, overdue introspections) and the lookup index (MAC or BMC address to
/// node). A write updates the state and both indexes atomically, so they never disagree.
/// </summary>
public interface INodeStore
{
    Task<StoredNode?> ReadAsync(string uuid, CancellationToken ct = default);

    /// <summary>Writes the state; returns the new ETag. Throws <see cref="NodeStoreConflictException"/>
    /// when <paramref name="expectedETag"/> is not the stored one (null = the node must be new).</summary>
    Task<long> WriteAsync(string uuid, NodeState state, long? expectedETag);

    Task DeleteAsync(string uuid);

    /// <summary>A page of statuses ordered by started_at then uuid, newest first.</summary>
    Task<StatusPage> ListAsync(StatusQuery query, CancellationToken ct = default);

    /// <summary>Unfinished introspections started before <paramref name="startedBefore"/>.</summary>
    Task<IReadOnlyList<NodeStatus>> FindOverdueAsync(DateTime startedBefore, int max, CancellationToken ct = default);

    /// <summary>
    /// Nodes on introspection that have any of these lookup attributes, with how many they
    /// have, most matches first. Costs one index probe per attribute, whatever the fleet size.
    /// </summary>
    Task<IReadOnlyList<LookupMatch>> FindByAttributesAsync(IReadOnlyList<LookupAttribute> attributes, CancellationToken ct = default);

    /// <summary>
    /// The MACs of nodes on introspection (the PXE filter allows them) and whether any
    /// introspection is running at all (unknown machines may boot only then).
    /// </summary>
    Task<(IReadOnlySet<string> Macs, bool IntrospectionRunning)> ActiveMacsAsync(CancellationToken ct = default);

    /// <summary>The UUIDs of every node with a status.</summary>
    Task<IReadOnlyList<string>> ListUuidsAsync(CancellationToken ct = default);
}

/// <summary>A node whose lookup attributes matched, and how many did.</summary>
public sealed record LookupMatch(string Uuid, int Matches);

public sealed class NodeStoreConflictException(string message) : Exception(message);
