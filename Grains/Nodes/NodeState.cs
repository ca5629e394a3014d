using Inspector.Grains.Interfaces.Nodes;

namespace Inspector.Grains.Nodes;

/// <summary>
/// What the node grain persists. Stored as JSON by the node store, which also projects the
/// status columns and the lookup attributes into their indexes in the same transaction.
/// </summary>
[GenerateSerializer, Alias("inspector.node-state")]
public sealed class NodeState
{
    /// <summary>Null while the node has never been introspected.</summary>
    [Id(0)] public IntrospectionState? State { get; set; }

    [Id(1)] public DateTime StartedAt { get; set; }

    [Id(2)] public DateTime? FinishedAt { get; set; }

    [Id(3)] public string? Error { get; set; }

    [Id(4)] public bool ManageBoot { get; set; } = true;

    /// <summary>Lookup attributes (BMC addresses, MACs), kept only while the introspection runs.</summary>
    [Id(5)] public List<LookupAttribute> LookupAttributes { get; set; } = [];

    /// <summary>IPMI credentials to set through the ramdisk (seed API); cleared when the introspection ends.</summary>
    [Id(6)] public IpmiCredentials? NewIpmiCredentials { get; set; }
}

/// <summary>One lookup attribute of a node on introspection, e.g. <c>mac = 52:54:00:12:34:56</c>.</summary>
[GenerateSerializer, Immutable, Alias("inspector.lookup-attribute")]
public sealed record LookupAttribute([property: Id(0)] string Name, [property: Id(1)] string Value)
{
    public const string Mac = "mac";
    public const string BmcAddress = "bmc_address";
}

/// <summary>New BMC credentials requested at start; never shown in status, logs or stored data.</summary>
[GenerateSerializer, Immutable, Alias("inspector.ipmi-credentials")]
public sealed record IpmiCredentials([property: Id(0)] string Username, [property: Id(1)] string Password)
{
    public override string ToString() => $"IpmiCredentials {{ Username = {Username}, Password = *** }}";
}
