using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;

namespace Inspector.Grains.Processing.Hooks;

/// <summary>
/// <c>lldp_basic</c>: decodes each NIC's LLDP TLVs into <c>all_interfaces[NAME].lldp_processed</c>,
/// which <c>openstack baremetal introspection interface list</c> shows.
/// </summary>
public sealed class LldpBasicHook(ILogger<LldpBasicHook> logger) : IProcessingHook
{
    public string Name => "lldp_basic";

    public void BeforeUpdate(ProcessingContext context)
    {
        foreach (var (name, iface) in context.Data.Data["all_interfaces"] as JsonObject ?? [])
        {
            if (iface is not JsonObject target || LldpTlvs.Of(context.Data, name) is not { } tlvs)
            {
                continue;
            }

            var processed = Lldp.Process(tlvs, warning =>
                logger.LogWarning("Node {Node}, interface {Interface}: {Warning}", context.NodeUuid, name, warning));
            if (processed.Count > 0)
            {
                target["lldp_processed"] = processed;
            }
        }
    }
}

/// <summary>Where the ramdisk put a NIC's raw LLDP TLVs: <c>lldp_raw</c> (newer agents) or the inventory.</summary>
internal static class LldpTlvs
{
    public static JsonArray? Of(RamdiskData data, string interfaceName) =>
        (data.Data["lldp_raw"] as JsonObject)?[interfaceName] as JsonArray
        ?? data.Interfaces.FirstOrDefault(i => i.Name == interfaceName)?.Lldp;
}
