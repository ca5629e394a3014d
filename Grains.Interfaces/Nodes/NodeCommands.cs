namespace Inspector.Grains.Interfaces.Nodes;

/// <summary>
/// A request to start introspection of one node; with a new IPMI password, the ramdisk sets
/// new BMC credentials (the user name defaults to the node's current one).
/// </summary>
[GenerateSerializer, Immutable, Alias("inspector.start-introspection")]
public sealed record StartIntrospection(
    [property: Id(0)] bool ManageBoot,
    [property: Id(1)] string? NewIpmiUsername = null,
    [property: Id(2)] string? NewIpmiPassword = null)
{
    public bool SetsIpmiCredentials => NewIpmiPassword is not null || NewIpmiUsername is not null;

    public override string ToString() =>
        $"StartIntrospection {{ ManageBoot = {ManageBoot}, NewIpmiUsername = {NewIpmiUsername}, NewIpmiPassword = {(NewIpmiPassword is null ? "" : "***")} }}";
}

/// <summary>How a command on a node ended; the web front maps it to an HTTP status.</summary>
[GenerateSerializer, Alias("inspector.command-outcome")]
public enum CommandOutcome
{
    /// <summary>The command was accepted (202).</summary>
    Accepted,

    /// <summary>The request is invalid for this node or its state (400).</summary>
    Invalid,

    /// <summary>The node is unknown, to Ironic or to the inspector (404).</summary>
    NotFound,

    /// <summary>The node is busy with another operation (409).</summary>
    Locked,

    /// <summary>A dependency (Ironic) could not be reached (503).</summary>
    Unavailable,
}

[GenerateSerializer, Immutable, Alias("inspector.command-result")]
public sealed record CommandResult([property: Id(0)] CommandOutcome Outcome, [property: Id(1)] string? Message = null)
{
    public static readonly CommandResult Accepted = new(CommandOutcome.Accepted);

    public static CommandResult Invalid(string message) => new(CommandOutcome.Invalid, message);

    public static CommandResult NotFound(string message) => new(CommandOutcome.NotFound, message);

    public static CommandResult Locked() => new(CommandOutcome.Locked, "Node is locked, please, retry later");

    public static CommandResult Unavailable(string message) => new(CommandOutcome.Unavailable, message);
}
