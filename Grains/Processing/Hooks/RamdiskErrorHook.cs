namespace Inspector.Grains.Processing.Hooks;

/// <summary><c>ramdisk_error</c>: a ramdisk that reports an error fails the introspection.</summary>
public sealed class RamdiskErrorHook : IProcessingHook
{
    public string Name => "ramdisk_error";

    public void BeforeProcessing(ProcessingContext context)
    {
        if (context.Data.Error is { } error)
        {
            context.Failures.Add($"Ramdisk reported error: {error}");
        }
    }
}
