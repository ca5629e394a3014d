namespace Inspector.Grains.Storage;

/// <summary>
/// The data ramdisks sent (unprocessed) and what processing made of it (processed), stored
/// outside the node grain's state because it can be large.
/// </summary>
public interface IIntrospectionDataStore
{
    /// <summary>Stores UTF-8 JSON as text, replacing what was stored for the same node and kind.</summary>
    Task SaveAsync(string uuid, bool processed, byte[] utf8Json);

    /// <summary>The stored JSON text, or null.</summary>
    Task<string?> GetAsync(string uuid, bool processed, CancellationToken ct = default);

    /// <summary>Deletes both the processed and the unprocessed data of a node.</summary>
    Task DeleteAsync(string uuid);
}
