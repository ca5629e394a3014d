using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;

namespace Inspector.Grains.Processing.Hooks;

/// <summary>
/// <c>raid_device</c>: learns the root device of a node whose root volume is created by RAID
/// configuration (e.g. on a DRAC, whose BMC says nothing useful about the volumes it makes).
/// Introspected once before creating the volume, the node keeps the serials of its block
/// devices in <c>extra.block_devices</c>; introspected again after, the one new serial becomes
/// the <c>root_device</c> hint and <c>extra.block_devices</c> goes.
/// </summary>
/// <remarks>
/// Before processing, a missing or empty <c>local_gb</c> becomes 1, as the reference does for
/// nodes without a volume yet. The reference applies its patch to the node at once, so hooks
/// after it (<c>root_disk_selection</c>, when configured after this one) see the new hint; the
/// loaded node is changed the same way here, besides collecting the patch.
/// </remarks>
public sealed class RaidDeviceHook(ILogger<RaidDeviceHook> logger) : IProcessingHook
{
    public string Name => "raid_device";

    public void BeforeProcessing(ProcessingContext context)
    {
        if (PythonValues.IsFalsy(context.Data.Data["local_gb"]))
        {
            logger.LogInformation("Node {Node}: no volume is found on the node; adding a fake value for local_gb", context.NodeUuid);
            context.Data.Data["local_gb"] = 1;
        }
    }

    public void BeforeUpdate(ProcessingContext context)
    {
        var current = Serials(context.Data);
        if (current.Count == 0)
        {
            logger.LogWarning("Node {Node}: no block device was received from the ramdisk", context.NodeUuid);
            return;
        }

        var node = context.RequireNode();
        if (node.Properties.ContainsKey("root_device"))
        {
            logger.LogInformation("Node {Node}: the root device is already known", context.NodeUuid);
            return;
        }

        var update = context.RequireUpdate();
        var extra = node.Document["extra"] as JsonObject;
        if (extra is null || !extra.ContainsKey("block_devices"))
        {
            // First run: remember the devices there are before the RAID volume is created.
            update.Set("/extra/block_devices", new JsonObject { ["serials"] = new JsonArray([.. current.Select(s => s?.DeepClone())]) });
            return;
        }

        if (extra["block_devices"] is not JsonObject saved || !saved.ContainsKey("serials"))
        {
            throw new ProcessingException(
                $"Unexpected content of the node's extra.block_devices, expected an object with serials: {extra["block_devices"]?.ToJsonString() ?? "null"}");
        }

        var previous = saved["serials"] as JsonArray ?? [];
        var added = current.Where(s => !previous.Any(p => JsonNode.DeepEquals(p, s))).ToList();
        if (added.Count > 1)
        {
            logger.LogWarning("Node {Node}: the root device cannot be identified because multiple new devices were found", context.NodeUuid);
            return;
        }

        if (added.Count == 0)
        {
            logger.LogWarning("Node {Node}: no new devices were found", context.NodeUuid);
            return;
        }

        var hint = new JsonObject { ["serial"] = added[0]?.DeepClone() };
        update.Remove("/extra/block_devices");
        update.Set("/properties/root_device", hint);

        extra.Remove("block_devices");
        if (node.Document["properties"] is not JsonObject properties)
        {
            properties = [];
            node.Document["properties"] = properties;
        }

        properties["root_device"] = hint.DeepClone();
    }

    /// <summary>The serials of the inventory's disks (those that have one), or the flat format's <c>block_devices.serials</c>.</summary>
    private static List<JsonNode?> Serials(RamdiskData data)
    {
        if (!data.IsFlat)
        {
            return [.. (data.Inventory["disks"] as JsonArray ?? []).OfType<JsonObject>().Select(d => d["serial"]).Where(s => !PythonValues.IsFalsy(s))];
        }

        return [.. data.Data["block_devices"]?["serials"] as JsonArray ?? []];
    }
}
