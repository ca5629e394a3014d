namespace Inspector.Grains.Interfaces.References;

/// <summary>
/// The grain type names pinned on the grain classes. They are part of every storage and reminder
/// key, so they never change; the request paths build grain ids from them directly.
/// </summary>
public static class GrainTypeNames
{
    public const string Node = "node";
    public const string RamdiskCallback = "ramdisk-callback";
    public const string NodeDirectory = "node-directory";
}
