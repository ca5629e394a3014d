using Inspector.Grains.Configuration;
using Inspector.Grains.Interfaces.Nodes;
using Inspector.Grains.Interfaces.References;
using Inspector.Grains.Ironic;
using Inspector.Grains.Storage;
using Microsoft.Extensions.Options;
using Orleans.Concurrency;

namespace Inspector.Grains.Nodes;

/// <summary>
/// Queries that span nodes, answered by whichever silo receives them: name resolution through
/// Ironic and status pages from the status index. Reentrant: it holds no state, and a list page
/// must not wait for another client's Ironic call.
/// </summary>
[GrainType(GrainTypeNames.NodeDirectory)]
[StatelessWorker]
[Reentrant]
public sealed class NodeDirectoryGrain(
    IronicClient ironic,
    INodeStore store,
    IIntrospectionDataStore dataStore,
    IOptions<ProcessingOptions> processing) : Grain, INodeDirectoryGrain
{
    public async Task<NodeResolution> ResolveAsync(string nodeId)
    {
        try
        {
            var node = await ironic.GetNodeAsync(nodeId);
            return node is null
                ? new NodeResolution(null, CommandOutcome.NotFound, $"Node {nodeId} was not found in Ironic")
                : new NodeResolution(node.Uuid.ToLowerInvariant(), CommandOutcome.Accepted, null);
        }
        catch (IronicException e) when (e.StatusCode is null)
        {
            return new NodeResolution(null, CommandOutcome.Unavailable, e.Message);
        }
        catch (IronicException e)
        {
            return new NodeResolution(null, CommandOutcome.Invalid, $"Cannot get node {nodeId}: {e.Message}");
        }
    }

    public async Task<IntrospectionDataResult> GetDataAsync(string uuid, bool processed)
    {
        if (!processing.Value.StoresData)
        {
            return new IntrospectionDataResult(null,
                "Inspector is not configured to store data. Set the [processing]store_data configuration option to change this.");
        }

        var json = await dataStore.GetAsync(uuid, processed);
        return json is not null
            ? new IntrospectionDataResult(json, null)
            : new IntrospectionDataResult(null, $"Introspection data not found for node {uuid}, processed={(processed ? "True" : "False")}");
    }

    public Task<StatusPage> ListAsync(StatusQuery query) => store.ListAsync(query);
}
