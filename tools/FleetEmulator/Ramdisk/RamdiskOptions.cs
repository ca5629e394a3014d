namespace Inspector.FleetEmulator.Ramdisk;

/// <summary>How the emulated ramdisks behave.</summary>
public sealed record RamdiskOptions
{
    /// <summary>Where ramdisks post their data, e.g. <c>http://127.0.0.1:5050</c>; null: nothing is posted.</summary>
    public Uri? InspectorUrl { get; init; }

    /// <summary>Whether a power <c>rebooting</c>/<c>power on</c> in Ironic boots the node's ramdisk (manage_boot).</summary>
    public bool BootOnPower { get; init; } = true;

    /// <summary>Time from the power request to the ramdisk's post, like a boot takes.</summary>
    public TimeSpan BootDelay { get; init; } = TimeSpan.Zero;

    /// <summary>Posts per boot, first one included, before the ramdisk gives up.</summary>
    public int MaxAttempts { get; init; } = 12;

    /// <summary>Wait before the first retry; it doubles on every retry, as the agent's exponential wait does.</summary>
    public TimeSpan FirstRetryDelay { get; init; } = TimeSpan.FromMilliseconds(100);

    public TimeSpan MaxRetryDelay { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Posts in flight at once: the bound on connections to the inspector.</summary>
    public int MaxConcurrentPosts { get; init; } = 256;

    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromMinutes(5);
}
