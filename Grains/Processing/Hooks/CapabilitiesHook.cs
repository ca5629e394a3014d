using Inspector.Grains.Configuration;
using Microsoft.Extensions.Options;

namespace Inspector.Grains.Processing.Hooks;

/// <summary><c>capabilities</c>: boot mode and CPU-flag capabilities in <c>properties.capabilities</c>.</summary>
public sealed class CapabilitiesHook(IOptions<CapabilitiesOptions> options) : IProcessingHook
{
    public string Name => "capabilities";

    public void BeforeUpdate(ProcessingContext context)
    {
        var inventory = context.Data.Inventory;
        var capabilities = new List<KeyValuePair<string, string>>();
        if (options.Value.BootMode && (string?)inventory["boot"]?["current_boot_mode"] is { Length: > 0 } bootMode)
        {
            capabilities.Add(new("boot_mode", bootMode));
        }

        var flags = (inventory["cpu"]?["flags"] as System.Text.Json.Nodes.JsonArray ?? [])
            .Select(f => f?.ToString()).OfType<string>().ToHashSet(StringComparer.Ordinal);
        foreach (var (flag, name) in options.Value.CpuFlags)
        {
            if (flags.Contains(flag))
            {
                capabilities.Add(new(name, "true"));
            }
        }

        if (capabilities.Count > 0)
        {
            context.RequireUpdate().UpdateCapabilities(capabilities);
        }
    }
}
