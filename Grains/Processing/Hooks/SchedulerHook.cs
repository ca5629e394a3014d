using System.Globalization;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;

namespace Inspector.Grains.Processing.Hooks;

/// <summary><c>scheduler</c>: the CPU count, architecture and memory the Nova scheduler needs, as node properties.</summary>
public sealed class SchedulerHook(ILogger<SchedulerHook> logger) : IProcessingHook
{
    public string Name => "scheduler";

    public void BeforeUpdate(ProcessingContext context)
    {
        var inventory = context.Data.Inventory;
        var values = new (string Name, JsonNode? Value)[]
        {
            ("cpus", inventory["cpu"]?["count"]),
            ("cpu_arch", inventory["cpu"]?["architecture"]),
            ("memory_mb", inventory["memory"]?["physical_mb"]),
        };
        var update = context.RequireUpdate();
        foreach (var (name, value) in values)
        {
            var text = value is JsonValue ? value.ToString() : null;
            if (string.IsNullOrEmpty(text))
            {
                // The reference only warns: a node can still be useful without this property.
                logger.LogWarning("Node {Node}: the inventory has no {Property}", context.NodeUuid, name);
                continue;
            }

            context.Data.Data[name] = name == "cpu_arch" ? text : JsonValue.Create(long.Parse(text, CultureInfo.InvariantCulture));
            update.SetProperty(name, text);
        }
    }
}
