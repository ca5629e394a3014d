using Inspector.Grains.Interfaces.Nodes;
using Inspector.Grains.Nodes;
using Npgsql;

namespace Inspector.Grains.Storage.Postgres;

/// <summary>
/// <see cref="INodeStore"/> on PostgreSQL. Every per-request statement is backed by an index
/// (see <c>Migrations/0001_nodes.sql</c>), so its cost does not grow with the fleet.
/// </summary>
public sealed class PostgresNodeStore(PostgresDatabase database) : INodeStore
{
    private const string StatusColumns = "uuid, state, started_at, finished_at, error";

    /// <summary>As many candidates as the SQLite store returns.</summary>
    private const int MaxLookupMatches = 16;

    /// <summary>
    /// The write: the ETag check, the state with its status columns and the lookup index in ONE
    /// statement, hence one transaction and one round trip. The state row is written first
    /// (<c>written</c>); the lookup rows change only if it was, and only the rows that differ
    /// (stale ones deleted, new ones inserted) so the two never touch the same key.
    /// </summary>
    private const string WriteLookupAttributes = """
        , stale AS (
            DELETE FROM lookup_attributes l USING written w
            WHERE l.node_uuid = w.uuid
              AND NOT EXISTS (SELECT 1 FROM unnest(@names::text[], @values::text[]) AS a(name, value)
                              WHERE a.name = l.name AND a.value = l.value)),
        fresh AS (
            INSERT INTO lookup_attributes (name, value, node_uuid)
            SELECT a.name, a.value, w.uuid FROM written w, unnest(@names::text[], @values::text[]) AS a(name, value)
            ON CONFLICT DO NOTHING)
        SELECT count(*) FROM written
        """;

    private const string InsertNew = """
        WITH written AS (
            INSERT INTO nodes (uuid, etag, state, started_at, finished_at, error, body)
            VALUES (@uuid, @etag, @state, @started, @finished, @error, @body)
            ON CONFLICT (uuid) DO NOTHING
            RETURNING uuid)
        """ + WriteLookupAttributes;

    private const string UpdateExisting = """
        WITH written AS (
            UPDATE nodes SET etag = @etag, state = @state, started_at = @started,
                finished_at = @finished, error = @error, body = @body
            WHERE uuid = @uuid AND etag = @expected
            RETURNING uuid)
        """ + WriteLookupAttributes;

    public async Task<StoredNode?> ReadAsync(string uuid, CancellationToken ct = default)
    {
        await using var command = database.Command("SELECT body, etag FROM nodes WHERE uuid = @uuid", ("uuid", uuid));
        await using var reader = await command.ExecuteReaderAsync(ct);
        return await reader.ReadAsync(ct)
            ? new StoredNode(NodeStateJson.Deserialize(reader.GetString(0)), reader.GetInt64(1))
            : null;
    }

    public async Task<long> WriteAsync(string uuid, NodeState state, long? expectedETag)
    {
        if (state.State is not { } current)
        {
            throw new ArgumentException("Only introspected nodes are stored", nameof(state));
        }

        var attributes = state.LookupAttributes.Distinct().ToList();
        var etag = (expectedETag ?? 0) + 1;
        await using var command = database.Command(expectedETag is null ? InsertNew : UpdateExisting,
            ("uuid", uuid), ("etag", etag), ("state", current.ToWire()),
            ("started", Utc(state.StartedAt)), ("finished", state.FinishedAt is { } f ? Utc(f) : null),
            ("error", state.Error), ("body", NodeStateJson.Serialize(state)),
            ("names", attributes.Select(a => a.Name).ToArray()), ("values", attributes.Select(a => a.Value).ToArray()));
        if (expectedETag is { } expected)
        {
            command.Parameters.AddWithValue("expected", expected);
        }

        var written = (long)(await command.ExecuteScalarAsync())!;
        return written == 1
            ? etag
            : throw new NodeStoreConflictException($"Node {uuid} was changed by another writer");
    }

    public async Task DeleteAsync(string uuid)
    {
        await using var command = database.Command("DELETE FROM nodes WHERE uuid = @uuid", ("uuid", uuid));
        await command.ExecuteNonQueryAsync();
    }

    public async Task<StatusPage> ListAsync(StatusQuery query, CancellationToken ct = default)
    {
        var where = new List<string>();
        var parameters = new List<(string, object?)> { ("limit", query.Limit) };
        if (query.Marker is { } marker)
        {
            // The marker's position in the list order: a row comparison the index answers.
            where.Add("(started_at, uuid) < (SELECT started_at, uuid FROM nodes WHERE uuid = @marker)");
            parameters.Add(("marker", marker));
        }

        if (query.States is { Count: > 0 } states)
        {
            where.Add("state = ANY (@states)");
            parameters.Add(("states", states.Select(s => s.ToWire()).Distinct().ToArray()));
        }

        var sql = $"SELECT {StatusColumns} FROM nodes"
            + (where.Count > 0 ? " WHERE " + string.Join(" AND ", where) : "")
            + " ORDER BY started_at DESC, uuid DESC LIMIT @limit";
        if (query.Marker is not null)
        {
            // One round trip still: whether the marker exists travels with the page.
            sql = $"SELECT EXISTS (SELECT 1 FROM nodes WHERE uuid = @marker); {sql}";
        }

        await using var command = database.Command(sql, [.. parameters]);
        await using var reader = await command.ExecuteReaderAsync(ct);
        if (query.Marker is not null)
        {
            await reader.ReadAsync(ct);
            var markerFound = reader.GetBoolean(0);
            await reader.NextResultAsync(ct);
            if (!markerFound)
            {
                return new StatusPage([], MarkerNotFound: true);
            }
        }

        return new StatusPage(await ReadStatusesAsync(reader, ct), MarkerNotFound: false);
    }

    public async Task<IReadOnlyList<NodeStatus>> FindOverdueAsync(DateTime startedBefore, int max, CancellationToken ct = default)
    {
        await using var command = database.Command(
            $"SELECT {StatusColumns} FROM nodes WHERE finished_at IS NULL AND started_at < @before ORDER BY started_at LIMIT @max",
            ("before", Utc(startedBefore)), ("max", max));
        await using var reader = await command.ExecuteReaderAsync(ct);
        return await ReadStatusesAsync(reader, ct);
    }

    public async Task<IReadOnlyList<LookupMatch>> FindByAttributesAsync(IReadOnlyList<LookupAttribute> attributes, CancellationToken ct = default)
    {
        var distinct = attributes.Distinct().ToList();
        if (distinct.Count == 0)
        {
            return [];
        }

        // One primary-key probe per attribute, whatever the number of NICs or nodes.
        await using var command = database.Command("""
            SELECT l.node_uuid, count(*)::integer AS matches
            FROM unnest(@names::text[], @values::text[]) AS a(name, value)
            JOIN lookup_attributes l ON l.name = a.name AND l.value = a.value
            GROUP BY l.node_uuid
            ORDER BY matches DESC, l.node_uuid
            LIMIT @max
            """,
            ("names", distinct.Select(a => a.Name).ToArray()), ("values", distinct.Select(a => a.Value).ToArray()),
            ("max", MaxLookupMatches));
        await using var reader = await command.ExecuteReaderAsync(ct);
        var matches = new List<LookupMatch>();
        while (await reader.ReadAsync(ct))
        {
            matches.Add(new LookupMatch(reader.GetString(0), reader.GetInt32(1)));
        }

        return matches;
    }

    public async Task<(IReadOnlySet<string> Macs, bool IntrospectionRunning)> ActiveMacsAsync(CancellationToken ct = default)
    {
        await using var command = database.Command(
            "SELECT EXISTS (SELECT 1 FROM nodes WHERE finished_at IS NULL); SELECT value FROM lookup_attributes WHERE name = @name",
            ("name", LookupAttribute.Mac));
        await using var reader = await command.ExecuteReaderAsync(ct);
        await reader.ReadAsync(ct);
        var running = reader.GetBoolean(0);
        await reader.NextResultAsync(ct);
        var macs = new HashSet<string>(StringComparer.Ordinal);
        while (await reader.ReadAsync(ct))
        {
            macs.Add(reader.GetString(0));
        }

        return (macs, running);
    }

    public async Task<IReadOnlyList<string>> ListUuidsAsync(CancellationToken ct = default)
    {
        await using var command = database.Command("SELECT uuid FROM nodes");
        await using var reader = await command.ExecuteReaderAsync(ct);
        var uuids = new List<string>();
        while (await reader.ReadAsync(ct))
        {
            uuids.Add(reader.GetString(0));
        }

        return uuids;
    }

    /// <summary>Node timestamps are UTC whatever their Kind says; timestamptz wants it said.</summary>
    private static DateTime Utc(DateTime value) => DateTime.SpecifyKind(value, DateTimeKind.Utc);

    private static async Task<List<NodeStatus>> ReadStatusesAsync(NpgsqlDataReader reader, CancellationToken ct)
    {
        var items = new List<NodeStatus>();
        while (await reader.ReadAsync(ct))
        {
            IntrospectionStateNames.TryParse(reader.GetString(1), out var state);
            items.Add(new NodeStatus(
                reader.GetString(0),
                state,
                reader.GetFieldValue<DateTime>(2),
                reader.IsDBNull(3) ? null : reader.GetFieldValue<DateTime>(3),
                reader.IsDBNull(4) ? null : reader.GetString(4)));
        }

        return items;
    }
}
