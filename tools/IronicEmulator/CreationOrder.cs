namespace Inspector.IronicEmulator;

/// <summary>
/// Keys in the order they were created, paged from a marker. Ironic lists nodes and ports by its
/// database id, i.e. creation order, so this is both truer to Ironic and cheaper than sorting:
/// a page costs its own size (plus removed keys skipped), never the size of the fleet.
/// </summary>
public sealed class CreationOrder
{
    private readonly Lock _lock = new();
    private readonly List<string?> _keys = [];
    private readonly Dictionary<string, int> _positions = new(StringComparer.OrdinalIgnoreCase);
    private int _removed;

    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _positions.Count;
            }
        }
    }

    public void Add(string key)
    {
        lock (_lock)
        {
            if (_positions.TryAdd(key, _keys.Count))
            {
                _keys.Add(key);
            }
        }
    }

    public void Remove(string key)
    {
        lock (_lock)
        {
            if (!_positions.Remove(key, out var position))
            {
                return;
            }

            _keys[position] = null;
            _removed++;
            // Removed slots are skipped by every page; drop them once they are half of the list.
            if (_removed > 64 && _removed * 2 > _keys.Count)
            {
                Compact();
            }
        }
    }

    /// <summary>
    /// Up to <paramref name="size"/> keys created after <paramref name="marker"/> (from the first
    /// without one) and whether more follow; null when the marker is not (any more) a known key,
    /// which Ironic answers with 404.
    /// </summary>
    public (IReadOnlyList<string> Page, bool More)? PageAfter(string? marker, int size)
    {
        lock (_lock)
        {
            var start = 0;
            if (marker is not null)
            {
                if (!_positions.TryGetValue(marker, out var position))
                {
                    return null;
                }

                start = position + 1;
            }

            var page = new List<string>(Math.Min(size, _positions.Count));
            var i = start;
            for (; i < _keys.Count && page.Count < size; i++)
            {
                if (_keys[i] is { } key)
                {
                    page.Add(key);
                }
            }

            for (; i < _keys.Count; i++)
            {
                if (_keys[i] is not null)
                {
                    return (page, true);
                }
            }

            return (page, false);
        }
    }

    private void Compact()
    {
        var kept = 0;
        for (var i = 0; i < _keys.Count; i++)
        {
            if (_keys[i] is { } key)
            {
                _keys[kept] = key;
                _positions[key] = kept;
                kept++;
            }
        }

        _keys.RemoveRange(kept, _keys.Count - kept);
        _removed = 0;
    }
}
