using Inspector.Grains.Ironic;

namespace Inspector.Grains.Processing;

/// <summary>What processing hooks see and change while one node's data is processed.</summary>
public sealed class ProcessingContext(string nodeUuid, RamdiskData data)
{
    public string NodeUuid { get; } = nodeUuid;

    public RamdiskData Data { get; } = data;

    /// <summary>Failures of the before-processing phase: collected, then reported together.</summary>
    public List<string> Failures { get; } = [];

    /// <summary>The Ironic node; set before the before-update phase.</summary>
    public IronicNode? Node { get; set; }

    /// <summary>The node's ports in Ironic; set before the before-update phase.</summary>
    public IReadOnlyList<IronicPort> Ports { get; set; } = [];

    /// <summary>Collects the Ironic changes; set before the before-update phase.</summary>
    public NodeUpdate? Update { get; set; }

    public IronicNode RequireNode() => Node ?? throw new InvalidOperationException("The Ironic node is not loaded yet");

    public NodeUpdate RequireUpdate() => Update ?? throw new InvalidOperationException("The update is not started yet");

    /// <summary>True for nodes Ironic has deployed: their ports are never changed.</summary>
    public bool NodeIsActive => RequireNode().IsActive;
}

/// <summary>A processing step failed; the introspection ends in error with this message.</summary>
public sealed class ProcessingException(string message) : Exception(message);

/// <summary>
/// A processing hook, named as in <c>[processing] processing_hooks</c>. Hooks run in the
/// configured order, first all before-processing phases, then all before-update phases.
/// </summary>
public interface IProcessingHook
{
    string Name { get; }

    /// <summary>Checks and enriches the data before the node is updated; adds to <see cref="ProcessingContext.Failures"/>.</summary>
    void BeforeProcessing(ProcessingContext context)
    {
    }

    /// <summary>Decides what to change in Ironic; throws <see cref="ProcessingException"/> to fail.</summary>
    void BeforeUpdate(ProcessingContext context)
    {
    }
}
