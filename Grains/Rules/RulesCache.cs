using Inspector.Grains.Storage;

namespace Inspector.Grains.Rules;

/// <summary>
/// The rules every processing run applies, cached per silo. The store's version number is read
/// at most once a second (one tiny query, whatever the number of rules or nodes), so a change
/// made through any silo is seen everywhere within a second; changes through this silo at once.
/// </summary>
public sealed class RulesCache(IRuleStore store, TimeProvider time)
{
    private static readonly TimeSpan CheckInterval = TimeSpan.FromSeconds(1);
    private readonly SemaphoreSlim _gate = new(1, 1);
    private (long Version, IReadOnlyList<IntrospectionRule> Rules)? _cached;
    private DateTimeOffset _checkedAt = DateTimeOffset.MinValue;

    public async Task<IReadOnlyList<IntrospectionRule>> GetAsync(CancellationToken ct = default)
    {
        if (_cached is { } fresh && time.GetUtcNow() - _checkedAt < CheckInterval)
        {
            return fresh.Rules;
        }

        await _gate.WaitAsync(ct);
        try
        {
            if (_cached is { } again && time.GetUtcNow() - _checkedAt < CheckInterval)
            {
                return again.Rules;
            }

            var version = await store.VersionAsync(ct);
            if (_cached is not { } cached || cached.Version != version)
            {
                var documents = await store.ListAsync(ct);
                _cached = cached = (version, [.. documents.Select(IntrospectionRule.FromDocument)]);
            }

            _checkedAt = time.GetUtcNow();
            return cached.Rules;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Forgets the cache after a change made through this silo.</summary>
    public void Invalidate() => _checkedAt = DateTimeOffset.MinValue;
}
