using System.Text.Json.Nodes;
using Inspector.Grains.Configuration;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Inspector.Grains.Processing.Hooks;

/// <summary>
/// <c>local_link_connection</c>: the switch and switch port each NIC is cabled to, from LLDP,
/// on its Ironic port (for Neutron's port binding).
/// </summary>
public sealed class LocalLinkConnectionHook(IOptions<ProcessingOptions> options, ILogger<LocalLinkConnectionHook> logger) : IProcessingHook
{
    public string Name => "local_link_connection";

    public void BeforeUpdate(ProcessingContext context)
    {
        var update = context.RequireUpdate();
        var ports = context.Ports.GroupBy(p => p.Address).ToDictionary(g => g.Key, g => g.First());
        foreach (var (name, iface) in context.Data.Data["all_interfaces"] as JsonObject ?? [])
        {
            var mac = (string?)iface?["mac"];
            var tlvs = LldpTlvs.Of(context.Data, name);
            if (mac is null || (tlvs is null && iface?["lldp_processed"] is null))
            {
                continue;
            }

            var connection = Lldp.LocalLinkConnection(iface!["lldp_processed"] as JsonObject, tlvs ?? [], warning =>
                logger.LogWarning("Node {Node}, interface {Interface}: {Warning}", context.NodeUuid, name, warning));
            if (connection.Count == 0)
            {
                continue;
            }

            var pending = update.PortsToCreate.FindIndex(p => p.Address == mac);
            if (pending >= 0)
            {
                update.PortsToCreate[pending] = update.PortsToCreate[pending] with { LocalLinkConnection = connection };
            }
            else if (ports.TryGetValue(mac, out var port))
            {
                var patch = new JsonArray();
                foreach (var (key, value) in connection)
                {
                    if (options.Value.OverwriteExisting || port.LocalLinkConnection[key] is null)
                    {
                        patch.Add(new JsonObject { ["op"] = "add", ["path"] = $"/local_link_connection/{key}", ["value"] = value?.DeepClone() });
                    }
                }

                if (patch.Count > 0)
                {
                    update.PortPatches.Add((port.Uuid, patch));
                }
            }
        }
    }
}
