using System.Text.Json.Nodes;

namespace Inspector.Grains.Storage;

/// <summary>
/// Introspection rules, shared by the whole cluster, in creation order. Every change bumps a
/// version number so each silo's cache notices it without re-reading the rules.
/// </summary>
public interface IRuleStore
{
    /// <summary>False when a rule with this UUID already exists.</summary>
    Task<bool> CreateAsync(string uuid, JsonObject document);

    Task<JsonObject?> GetAsync(string uuid, CancellationToken ct = default);

    Task<IReadOnlyList<JsonObject>> ListAsync(CancellationToken ct = default);

    Task<bool> DeleteAsync(string uuid);

    Task DeleteAllAsync();

    Task<long> VersionAsync(CancellationToken ct = default);
}
