using System.Text.Json.Nodes;
using Inspector.Grains.Configuration;
using Microsoft.Extensions.Options;

namespace Inspector.Grains.Processing.Hooks;

/// <summary>
/// <c>root_disk_selection</c>: the root disk, from the node's root device hints when it has
/// some (minus the disks its <c>skip_block_devices</c> hints name), else the one the ramdisk
/// reported; <c>local_gb</c> is its size in GiB, one less with <c>disk_partitioning_spacing</c>.
/// </summary>
public sealed class RootDiskSelectionHook(IOptions<ProcessingOptions> options) : IProcessingHook
{
    private const long GiB = 1L << 30;

    public string Name => "root_disk_selection";

    public void BeforeUpdate(ProcessingContext context)
    {
        var data = context.Data;
        var properties = context.RequireNode().Properties;
        if (properties["root_device"] is JsonObject { Count: > 0 } hintsJson)
        {
            data.Data["root_disk"] = SelectByHints(hintsJson, properties["skip_block_devices"], data.Inventory)?.DeepClone()
                ?? throw new ProcessingException($"No disks satisfied root device hints {hintsJson.ToJsonString()}");
        }

        long localGb;
        if (data.Data["root_disk"] is JsonObject rootDisk && rootDisk["size"] is JsonValue size)
        {
            localGb = long.Parse(size.ToString(), System.Globalization.CultureInfo.InvariantCulture) / GiB;
            if (options.Value.DiskPartitioningSpacing)
            {
                localGb -= 1;
            }
        }
        else if (data.IsFlat && data.Data["local_gb"] is JsonValue flat)
        {
            // The flat format's ramdisk measured the disk itself.
            localGb = long.Parse(flat.ToString(), System.Globalization.CultureInfo.InvariantCulture);
        }
        else
        {
            localGb = 0; // a diskless node
        }

        data.Data["local_gb"] = localGb;
        context.RequireUpdate().SetProperty("local_gb", localGb.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    private static JsonObject? SelectByHints(JsonObject hintsJson, JsonNode? skipJson, JsonObject inventory)
    {
        ParsedHints hints;
        try
        {
            hints = RootDeviceHints.Parse(hintsJson);
        }
        catch (RootDeviceHintsException e)
        {
            throw new ProcessingException($"Invalid root device hints {hintsJson.ToJsonString()}: {e.Message}");
        }

        var disks = (inventory["disks"] as JsonArray ?? []).OfType<JsonObject>().ToList();
        foreach (var skip in (skipJson as JsonArray ?? []).OfType<JsonObject>())
        {
            try
            {
                var skipped = RootDeviceHints.FindAll(RootDeviceHints.Parse(skip), disks).ToHashSet();
                disks.RemoveAll(skipped.Contains);
            }
            catch (RootDeviceHintsException e)
            {
                throw new ProcessingException($"Invalid skip_block_devices hints {skip.ToJsonString()}: {e.Message}");
            }
        }

        return RootDeviceHints.Match(hints, disks);
    }
}
