using System.Net;
using System.Text.Json.Nodes;
using Inspector.Grains.Configuration;
using Inspector.Grains.Nodes;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Inspector.Grains.Processing.Hooks;

/// <summary>
/// <c>validate_interfaces</c>: picks the NICs that matter (<c>[processing] add_ports</c>), creates
/// their Ironic ports, removes stale ones (<c>keep_ports</c>) and keeps <c>pxe_enabled</c> right.
/// Ports of active nodes are never touched.
/// </summary>
public sealed class ValidateInterfacesHook : IProcessingHook
{
    private readonly ProcessingOptions _options;
    private readonly ILogger<ValidateInterfacesHook> _logger;

    public ValidateInterfacesHook(IOptions<ProcessingOptions> options, ILogger<ValidateInterfacesHook> logger)
    {
        _options = options.Value;
        _logger = logger;
        if (_options is { AddPorts: "disabled", KeepPorts: "added" })
        {
            throw new InvalidConfigurationException(
                "Configuration error: add_ports set to disabled and keep_ports set to added; ports would be deleted and never re-created");
        }
    }

    public string Name => "validate_interfaces";

    public void BeforeProcessing(ProcessingContext context)
    {
        var data = context.Data;
        data.Data["ipmi_address"] = data.BmcAddress;
        data.Data["ipmi_v6address"] = data.BmcV6Address;

        var pxeMac = data.PxeMac;
        if (pxeMac is not null)
        {
            data.Data["boot_interface"] = pxeMac;
        }

        var all = new JsonObject();
        foreach (var iface in data.Interfaces)
        {
            if (iface.Name.Length == 0 || !LookupAttributes.IsValidMac(iface.Mac))
            {
                continue;
            }

            all[iface.Name] = new JsonObject
            {
                ["ip"] = iface.Ipv4 ?? StripZone(iface.Ipv6),
                ["mac"] = iface.Mac,
                ["client_id"] = iface.ClientId,
                ["pxe"] = pxeMac is null || iface.Mac == pxeMac,
            };
        }

        var selected = new JsonObject();
        foreach (var (name, node) in all)
        {
            var ip = (string?)node!["ip"];
            var mac = (string?)node["mac"];
            if (name == "lo" || (ip is not null && IPAddress.TryParse(ip, out var address) && IPAddress.IsLoopback(address)))
            {
                continue;
            }

            if (_options.AddPorts == "pxe" && pxeMac is not null && mac != pxeMac)
            {
                continue;
            }

            if (_options.AddPorts != "all" && ip is null)
            {
                continue;
            }

            selected[name] = node.DeepClone();
        }

        data.Data["all_interfaces"] = all;
        data.Data["interfaces"] = selected;
        data.Data["macs"] = new JsonArray([.. selected.Select(i => (JsonNode?)(string?)i.Value!["mac"])]);
        if (selected.Count == 0)
        {
            context.Failures.Add($"No suitable interfaces found in {all.ToJsonString()}");
        }
    }

    public void BeforeUpdate(ProcessingContext context)
    {
        var update = context.RequireUpdate();
        var existing = context.Ports.GroupBy(p => p.Address).ToDictionary(g => g.Key, g => g.First());
        var all = context.Data.Data["all_interfaces"] as JsonObject ?? [];
        var selected = context.Data.Data["interfaces"] as JsonObject ?? [];

        if (_options.AddPorts != "disabled")
        {
            foreach (var (_, iface) in selected)
            {
                var mac = (string)iface!["mac"]!;
                if (existing.ContainsKey(mac))
                {
                    continue;
                }

                var extra = new JsonObject();
                if ((string?)iface["client_id"] is { } clientId)
                {
                    // InfiniBand NICs are told apart by their DHCP client id.
                    extra["client-id"] = clientId;
                }

                update.PortsToCreate.Add(new PortToCreate(mac, (bool?)iface["pxe"] ?? true, extra));
            }
        }

        // New ports are created even for an active node (as the reference does); its existing
        // ones are never modified or deleted.
        if (context.NodeIsActive)
        {
            _logger.LogInformation("Node {Node} is active: its existing ports are left as they are", context.NodeUuid);
            return;
        }

        if (_options.KeepPorts != "all")
        {
            var source = _options.KeepPorts == "present" ? all : selected;
            var expected = source.Select(i => (string?)i.Value!["mac"]).ToHashSet(StringComparer.Ordinal);
            update.PortsToDelete.AddRange(context.Ports.Where(p => !expected.Contains(p.Address)).Select(p => p.Uuid));
        }

        if (_options.OverwriteExisting && _options.UpdatePxeEnabled)
        {
            foreach (var (_, iface) in all)
            {
                var mac = (string)iface!["mac"]!;
                var pxe = (bool?)iface["pxe"] ?? true;
                if (existing.TryGetValue(mac, out var port) && port.PxeEnabled != pxe && !update.PortsToDelete.Contains(port.Uuid))
                {
                    update.PortPatches.Add((port.Uuid, new JsonArray(new JsonObject
                    {
                        ["op"] = "replace", ["path"] = "/pxe_enabled", ["value"] = pxe,
                    })));
                }
            }
        }
    }

    private static string? StripZone(string? ip) => ip?.Split('%')[0];
}
