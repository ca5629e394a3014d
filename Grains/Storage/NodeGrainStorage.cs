using Inspector.Grains.Nodes;
using Orleans.Storage;

namespace Inspector.Grains.Storage;

/// <summary>
/// The Orleans grain storage of node grains, over <see cref="INodeStore"/>: the grain writes its
/// state through the ordinary persistent-state API and the indexes follow in the same transaction.
/// </summary>
public sealed class NodeGrainStorage(INodeStore store) : IGrainStorage
{
    public const string Name = "nodes";

    public async Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        var stored = await store.ReadAsync(Key(grainId));
        if (stored is null)
        {
            grainState.State = Activator.CreateInstance<T>();
            grainState.ETag = null;
            grainState.RecordExists = false;
            return;
        }

        grainState.State = AsT<T>(stored.State);
        grainState.ETag = stored.ETag.ToString(System.Globalization.CultureInfo.InvariantCulture);
        grainState.RecordExists = true;
    }

    public async Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        if (grainState.State is not NodeState state)
        {
            throw new NotSupportedException($"{nameof(NodeGrainStorage)} stores {nameof(NodeState)} only");
        }

        try
        {
            var etag = await store.WriteAsync(Key(grainId), state, ParseETag(grainState.ETag));
            grainState.ETag = etag.ToString(System.Globalization.CultureInfo.InvariantCulture);
            grainState.RecordExists = true;
        }
        catch (NodeStoreConflictException e)
        {
            throw new InconsistentStateException(e.Message, grainState.ETag, null, e);
        }
    }

    public async Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        await store.DeleteAsync(Key(grainId));
        grainState.State = Activator.CreateInstance<T>();
        grainState.ETag = null;
        grainState.RecordExists = false;
    }

    private static string Key(GrainId grainId) => grainId.Key.ToString()!;

    private static long? ParseETag(string? etag) =>
        etag is null ? null : long.Parse(etag, System.Globalization.CultureInfo.InvariantCulture);

    private static T AsT<T>(NodeState state) => state is T t
        ? t
        : throw new NotSupportedException($"{nameof(NodeGrainStorage)} stores {nameof(NodeState)} only");
}
