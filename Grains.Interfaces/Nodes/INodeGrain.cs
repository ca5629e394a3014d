namespace Inspector.Grains.Interfaces.Nodes;

/// <summary>
/// One bare-metal node, keyed by its Ironic UUID (lower case, with dashes). It owns the node's
/// introspection state, its lock and its timeout.
/// </summary>
[Alias("inspector.node")]
public interface INodeGrain : IGrainWithStringKey
{
    /// <summary>The current status, or null when this node was never introspected (or was forgotten).</summary>
    [Alias("status")]
    Task<NodeStatus?> GetStatusAsync();

    /// <summary>Starts (or restarts) introspection; the status exists when this returns.</summary>
    [Alias("start")]
    Task<CommandResult> StartAsync(StartIntrospection request);

    /// <summary>Aborts a running introspection; answers Locked at once while the node is busy.</summary>
    [Alias("abort")]
    Task<CommandResult> AbortAsync();

    /// <summary>
    /// Ends an introspection that has run too long. <paramref name="startedAt"/> is the start the
    /// caller saw as overdue, so a sweep that races with a restart does not time out the new run.
    /// </summary>
    [Alias("timeout")]
    Task<bool> TimeOutAsync(DateTime startedAt);

    /// <summary>
    /// Processes the data the node's ramdisk posted. Waits for a start still in progress;
    /// processes each introspection once: repeated or concurrent posts are refused.
    /// </summary>
    [Alias("process")]
    Task<RamdiskReply> ProcessAsync(RamdiskCallback callback);

    /// <summary>Processes the stored (or the given, which replaces it) unprocessed data again.</summary>
    [Alias("reapply")]
    Task<CommandResult> ReapplyAsync(string? unprocessedJson);

    /// <summary>Drops everything known about the node (it was deleted from Ironic).</summary>
    [Alias("forget")]
    Task ForgetAsync();
}
