namespace Inspector.FleetEmulator.Ramdisk;

/// <summary>
/// How one ramdisk's post to <c>/v1/continue</c> ended: the last status (0: no connection), how
/// many posts it took, the latency of the last post and the time from the first post to the end.
/// </summary>
public sealed record CallbackOutcome(string Uuid, int Status, int Attempts, TimeSpan Latency, TimeSpan Total, string? Error)
{
    public bool Succeeded => Status == 200;
}
