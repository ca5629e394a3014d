using Orleans.Concurrency;

namespace Inspector.Grains.Interfaces.Nodes;

/// <summary>Why the node is processed: its own introspection, or without one.</summary>
[GenerateSerializer, Alias("inspector.callback-kind")]
public enum CallbackKind
{
    /// <summary>The node is on introspection (found by its lookup attributes).</summary>
    Introspection,

    /// <summary>An active node, processed without a start (<c>permit_active_introspection</c>).</summary>
    ActiveNode,

    /// <summary>A machine unknown to Ironic, just enrolled by the <c>enroll</c> not-found hook.</summary>
    Enrolled,
}

/// <summary>
/// The body a ramdisk posted to /v1/continue, as UTF-8 JSON. Immutable: a call to a grain in
/// the same silo passes the array itself, which nothing writes to after the request is read.
/// </summary>
[GenerateSerializer, Immutable, Alias("inspector.ramdisk-callback-utf8")]
public sealed record RamdiskCallback([property: Id(0)] byte[] Utf8Json, [property: Id(1)] CallbackKind Kind);

/// <summary>
/// The answer to a ramdisk: an HTTP status (200, 400, 403, 404, 503) with the node's UUID or an
/// error message, and the IPMI credentials the ramdisk must set when that was requested.
/// </summary>
[GenerateSerializer, Immutable, Alias("inspector.ramdisk-reply")]
public sealed record RamdiskReply(
    [property: Id(0)] int Status,
    [property: Id(1)] string? Uuid,
    [property: Id(2)] string? Message,
    [property: Id(3)] string? IpmiUsername = null,
    [property: Id(4)] string? IpmiPassword = null)
{
    public static RamdiskReply Error(int status, string message) => new(status, null, message);
}

/// <summary>The ramdisk callback's entry point: finds the node a body belongs to and hands it over.</summary>
[Alias("inspector.ramdisk-callback-handler")]
public interface IRamdiskCallbackGrain : IGrainWithIntegerKey
{
    /// <summary>The body as UTF-8 JSON; wrapped so that a local call does not copy it.</summary>
    [Alias("continue-utf8")]
    Task<RamdiskReply> ContinueAsync(Immutable<byte[]> utf8Json);
}
