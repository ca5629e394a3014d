using System.Text.Json.Nodes;
using Inspector.Grains.Configuration;
using Inspector.Grains.Interfaces.Nodes;
using Inspector.Grains.Interfaces.References;
using Inspector.Grains.Ironic;
using Inspector.Grains.Nodes;
using Inspector.Grains.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Concurrency;

namespace Inspector.Grains.Processing;

/// <summary>
/// Receives what ramdisks post to <c>/v1/continue</c>, finds the node it belongs to through the
/// lookup index (one probe per MAC or BMC address) and hands it to that node's grain. A
/// stateless worker: every silo answers locally and nothing on this path is global. Reentrant,
/// because a worker activation handles one request at a time otherwise: a silo would process at
/// most one ramdisk per core while the others queue behind Ironic round trips and commits.
/// </summary>
[GrainType(GrainTypeNames.RamdiskCallback)]
[StatelessWorker]
[Reentrant]
public sealed class RamdiskCallbackGrain(
    INodeStore store,
    IronicClient ironic,
    RamdiskLogs ramdiskLogs,
    IOptions<ProcessingOptions> processing,
    IOptions<DiscoveryOptions> discovery,
    ILogger<RamdiskCallbackGrain> logger) : Grain, IRamdiskCallbackGrain
{
    private const int MaxOwnerProbes = 16;

    public async Task<RamdiskReply> ContinueAsync(Immutable<byte[]> utf8Json)
    {
        var json = utf8Json.Value;
        // The common case reads only the lookup attributes: the node's grain parses the document
        // anyway. Anything else (no single best match, or a document the scan leaves alone) takes
        // the full parse here, for its messages.
        IReadOnlyList<LookupMatch>? matches = null;
        if (LookupScan.TryAttributes(json) is { } scanned)
        {
            matches = await store.FindByAttributesAsync(scanned);
            if (matches.Count == 1 || (matches.Count > 1 && matches[0].Matches != matches[1].Matches))
            {
                return await Node(matches[0].Uuid).ProcessAsync(new RamdiskCallback(json, CallbackKind.Introspection));
            }
        }

        RamdiskData data;
        try
        {
            data = RamdiskData.Parse(json);
        }
        catch (RamdiskDataException e)
        {
            return RamdiskReply.Error(400, e.Message);
        }

        var attributes = data.AttributesForLookup();
        // The scan's attributes are the parse's: its matches stand.
        matches ??= await store.FindByAttributesAsync(attributes);
        if (matches.Count > 1 && matches[0].Matches == matches[1].Matches)
        {
            var tied = matches.Where(m => m.Matches == matches[0].Matches).Select(m => m.Uuid);
            return RamdiskReply.Error(404,
                $"Multiple nodes match the same number of attributes {Describe(attributes)}: {string.Join(", ", tied)}");
        }

        if (matches.Count > 0)
        {
            return await Node(matches[0].Uuid).ProcessAsync(new RamdiskCallback(json, CallbackKind.Introspection));
        }

        try
        {
            return await NotOnIntrospectionAsync(json, data, attributes);
        }
        catch (IronicException e)
        {
            return RamdiskReply.Error(e.StatusCode is null ? 503 : 400, e.Message);
        }
    }

    /// <summary>No node on introspection has these attributes: find out why, or process anyway when configured to.</summary>
    private async Task<RamdiskReply> NotOnIntrospectionAsync(byte[] json, RamdiskData data, IReadOnlyList<LookupAttribute> attributes)
    {
        if (data.Error is { } error)
        {
            await ramdiskLogs.StoreAsync(data, null);
            return RamdiskReply.Error(400, $"Ramdisk reported error: {error}");
        }

        if (attributes.Count == 0)
        {
            return RamdiskReply.Error(400,
                "The ramdisk data has no lookup attributes: no valid MAC address and no BMC address");
        }

        // Only on this failure path is Ironic asked: which of its nodes owns these MACs?
        var known = await NodeOwningMacsAsync(attributes);
        if (known is not null && processing.Value.PermitActiveIntrospection
            && known.IsActive)
        {
            return await Node(known.Uuid).ProcessAsync(new RamdiskCallback(json, CallbackKind.ActiveNode));
        }

        if (known is not null)
        {
            return RamdiskReply.Error(403,
                $"Node {known.Uuid} is not on introspection: its introspection finished, was aborted or timed out, or was never started");
        }

        if (processing.Value.NodeNotFoundHook == "enroll")
        {
            var enrolled = await EnrollAsync(data);
            logger.LogInformation("Enrolled unknown machine {Attributes} as node {Node}", Describe(attributes), enrolled);
            return await Node(enrolled).ProcessAsync(new RamdiskCallback(json, CallbackKind.Enrolled));
        }

        return RamdiskReply.Error(404, $"Could not find a node for attributes {Describe(attributes)}");
    }

    private async Task<IronicNode?> NodeOwningMacsAsync(IReadOnlyList<LookupAttribute> attributes)
    {
        // A bounded number of probes: a machine with hundreds of NICs must not cost hundreds of calls.
        foreach (var mac in attributes.Where(a => a.Name == LookupAttribute.Mac && a.Value != "00:00:00:00:00:00")
                     .Select(a => a.Value).Take(MaxOwnerProbes))
        {
            var port = (await ironic.GetPortsByAddressAsync(mac)).FirstOrDefault(p => p.NodeUuid is not null);
            if (port is not null && await ironic.GetNodeAsync(port.NodeUuid!) is { } node)
            {
                return node;
            }
        }

        return null;
    }

    /// <summary>The <c>enroll</c> not-found hook: a new Ironic node with the BMC address the ramdisk reported.</summary>
    private async Task<string> EnrollAsync(RamdiskData data)
    {
        var versions = discovery.Value.EnabledBmcAddressVersion;
        var address = (versions.Contains("4") ? data.BmcAddress : null) ?? (versions.Contains("6") ? data.BmcV6Address : null);
        var driverInfo = new JsonObject();
        if (address is not null)
        {
            driverInfo["ipmi_address"] = address;
        }

        var node = new JsonObject { ["driver"] = discovery.Value.EnrollNodeDriver, ["driver_info"] = driverInfo };
        foreach (var (field, value) in discovery.Value.EnrollNodeFields)
        {
            node[field] = value;
        }

        var created = await ironic.CreateNodeAsync(node);
        return created.Uuid.ToLowerInvariant();
    }

    private INodeGrain Node(string uuid) => GrainFactory.Node(uuid);

    /// <summary>The attributes as the reference prints them: <c>{'bmc_address': [...], 'mac': [...]}</c>.</summary>
    private static string Describe(IReadOnlyList<LookupAttribute> attributes) =>
        "{" + string.Join(", ", attributes.GroupBy(a => a.Name).OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => $"'{g.Key}': [{string.Join(", ", g.Select(a => $"'{a.Value}'"))}]")) + "}";
}
