using Inspector.Grains.Interfaces.Nodes;
using Inspector.Grains.Nodes;
using Microsoft.Data.Sqlite;

namespace Inspector.Grains.Storage.Sqlite;

/// <summary><see cref="INodeStore"/> on the embedded SQLite database.</summary>
public sealed class SqliteNodeStore(SqliteDatabase database) : INodeStore
{
    private const string StatusColumns = "uuid, state, started_at, finished_at, error";

    /// <summary>Attributes per lookup query: below SQLite's limit of 500 terms in a compound SELECT.</summary>
    private const int LookupChunkSize = 200;

    public Task<StoredNode?> ReadAsync(string uuid, CancellationToken ct = default) =>
        database.ReadAsync(connection =>
        {
            using var command = connection.Command("SELECT body, etag FROM nodes WHERE uuid = $uuid", ("$uuid", uuid));
            using var reader = command.ExecuteReader();
            return reader.Read()
                ? new StoredNode(NodeStateJson.Deserialize(reader.GetString(0)), reader.GetInt64(1))
                : null;
        }, ct);

    public Task<long> WriteAsync(string uuid, NodeState state, long? expectedETag)
    {
        if (state.State is not { } current)
        {
            throw new ArgumentException("Only introspected nodes are stored", nameof(state));
        }

        var body = NodeStateJson.Serialize(state);
        return database.WriteAsync(connection =>
        {
            var etag = (expectedETag ?? 0) + 1;
            var parameters = new (string, object?)[]
            {
                ("$uuid", uuid), ("$etag", etag), ("$expected", expectedETag), ("$state", current.ToWire()),
                ("$started", Timestamps.ToUnixMicroseconds(state.StartedAt)),
                ("$finished", state.FinishedAt is { } f ? Timestamps.ToUnixMicroseconds(f) : null),
                ("$error", state.Error), ("$body", body),
            };
            var sql = expectedETag is null
                ? """
                  INSERT INTO nodes (uuid, etag, state, started_at, finished_at, error, body)
                  VALUES ($uuid, $etag, $state, $started, $finished, $error, $body)
                  ON CONFLICT (uuid) DO NOTHING
                  """
                : """
                  UPDATE nodes SET etag = $etag, state = $state, started_at = $started,
                      finished_at = $finished, error = $error, body = $body
                  WHERE uuid = $uuid AND etag = $expected
                  """;
            if (connection.Reused(sql, parameters).ExecuteNonQuery() != 1)
            {
                throw new NodeStoreConflictException($"Node {uuid} was changed by another writer");
            }

            var attributes = state.LookupAttributes.Distinct().ToList();
            if (expectedETag is not null && SameAttributes(connection, uuid, attributes))
            {
                // Most transitions keep the attributes: rewriting their rows would dirty index pages
                // (a WAL page each, at random places) for nothing.
                return etag;
            }

            connection.Reused("DELETE FROM lookup_attributes WHERE node_uuid = $uuid", ("$uuid", uuid)).ExecuteNonQuery();
            foreach (var attribute in attributes)
            {
                connection.Reused(
                    "INSERT OR IGNORE INTO lookup_attributes (name, value, node_uuid) VALUES ($name, $value, $uuid)",
                    ("$name", attribute.Name), ("$value", attribute.Value), ("$uuid", uuid)).ExecuteNonQuery();
            }

            return etag;
        });
    }

    private static bool SameAttributes(SqliteConnection connection, string uuid, List<LookupAttribute> attributes)
    {
        var stored = new HashSet<LookupAttribute>();
        using (var reader = connection.Reused("SELECT name, value FROM lookup_attributes WHERE node_uuid = $uuid", ("$uuid", uuid)).ExecuteReader())
        {
            while (reader.Read())
            {
                stored.Add(new LookupAttribute(reader.GetString(0), reader.GetString(1)));
            }
        }

        return stored.SetEquals(attributes);
    }

    public Task DeleteAsync(string uuid) =>
        database.WriteAsync(connection =>
            connection.Reused("DELETE FROM nodes WHERE uuid = $uuid", ("$uuid", uuid)).ExecuteNonQuery());

    public Task<StatusPage> ListAsync(StatusQuery query, CancellationToken ct = default) =>
        database.ReadAsync(connection =>
        {
            var where = new List<string>();
            var parameters = new List<(string, object?)> { ("$limit", query.Limit) };
            if (query.Marker is { } marker)
            {
                using var find = connection.Command("SELECT started_at FROM nodes WHERE uuid = $marker", ("$marker", marker));
                if (find.ExecuteScalar() is not long markerStarted)
                {
                    return new StatusPage([], MarkerNotFound: true);
                }

                where.Add("(started_at < $mstart OR (started_at = $mstart AND uuid < $marker))");
                parameters.Add(("$mstart", markerStarted));
                parameters.Add(("$marker", marker));
            }

            if (query.States is { Count: > 0 } states)
            {
                var names = states.Select((s, i) => (Name: $"$s{i}", Value: s.ToWire())).ToList();
                where.Add($"state IN ({string.Join(", ", names.Select(n => n.Name))})");
                parameters.AddRange(names.Select(n => (n.Name, (object?)n.Value)));
            }

            var sql = $"SELECT {StatusColumns} FROM nodes"
                + (where.Count > 0 ? " WHERE " + string.Join(" AND ", where) : "")
                + " ORDER BY started_at DESC, uuid DESC LIMIT $limit";
            using var command = connection.Command(sql, [.. parameters]);
            return new StatusPage(ReadStatuses(command), MarkerNotFound: false);
        }, ct);

    public Task<IReadOnlyList<NodeStatus>> FindOverdueAsync(DateTime startedBefore, int max, CancellationToken ct = default) =>
        database.ReadAsync<IReadOnlyList<NodeStatus>>(connection =>
        {
            using var command = connection.Command(
                $"SELECT {StatusColumns} FROM nodes WHERE finished_at IS NULL AND started_at < $before ORDER BY started_at LIMIT $max",
                ("$before", Timestamps.ToUnixMicroseconds(startedBefore)), ("$max", max));
            return ReadStatuses(command);
        }, ct);

    public Task<IReadOnlyList<LookupMatch>> FindByAttributesAsync(IReadOnlyList<LookupAttribute> attributes, CancellationToken ct = default) =>
        database.ReadAsync<IReadOnlyList<LookupMatch>>(connection =>
        {
            // SQLite allows at most 500 terms in one compound SELECT (and a bounded number of
            // parameters), and a ramdisk may report any number of NICs: count per chunk, then add up.
            var counts = new Dictionary<string, int>(StringComparer.Ordinal);
            foreach (var chunk in attributes.Distinct().Chunk(LookupChunkSize))
            {
                var parameters = new List<(string, object?)>();
                var terms = new List<string>();
                foreach (var (attribute, i) in chunk.Select((a, i) => (a, i)))
                {
                    terms.Add($"SELECT node_uuid FROM lookup_attributes WHERE name = $n{i} AND value = $v{i}");
                    parameters.Add(($"$n{i}", attribute.Name));
                    parameters.Add(($"$v{i}", attribute.Value));
                }

                using var command = connection.Command(
                    $"SELECT node_uuid, COUNT(*) AS matches FROM ({string.Join(" UNION ALL ", terms)}) GROUP BY node_uuid",
                    [.. parameters]);
                using var reader = command.ExecuteReader();
                while (reader.Read())
                {
                    var uuid = reader.GetString(0);
                    counts[uuid] = counts.GetValueOrDefault(uuid) + reader.GetInt32(1);
                }
            }

            return
            [
                .. counts.OrderByDescending(c => c.Value).ThenBy(c => c.Key, StringComparer.Ordinal).Take(16)
                    .Select(c => new LookupMatch(c.Key, c.Value)),
            ];
        }, ct);

    public Task<(IReadOnlySet<string> Macs, bool IntrospectionRunning)> ActiveMacsAsync(CancellationToken ct = default) =>
        database.ReadAsync<(IReadOnlySet<string>, bool)>(connection =>
        {
            var macs = new HashSet<string>(StringComparer.Ordinal);
            using (var command = connection.Command("SELECT value FROM lookup_attributes WHERE name = $name", ("$name", LookupAttribute.Mac)))
            using (var reader = command.ExecuteReader())
            {
                while (reader.Read())
                {
                    macs.Add(reader.GetString(0));
                }
            }

            using var running = connection.Command("SELECT EXISTS (SELECT 1 FROM nodes WHERE finished_at IS NULL)");
            return (macs, Convert.ToInt64(running.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture) == 1);
        }, ct);

    public Task<IReadOnlyList<string>> ListUuidsAsync(CancellationToken ct = default) =>
        database.ReadAsync<IReadOnlyList<string>>(connection =>
        {
            using var command = connection.Command("SELECT uuid FROM nodes");
            using var reader = command.ExecuteReader();
            var uuids = new List<string>();
            while (reader.Read())
            {
                uuids.Add(reader.GetString(0));
            }

            return uuids;
        }, ct);

    private static List<NodeStatus> ReadStatuses(SqliteCommand command)
    {
        using var reader = command.ExecuteReader();
        var items = new List<NodeStatus>();
        while (reader.Read())
        {
            IntrospectionStateNames.TryParse(reader.GetString(1), out var state);
            items.Add(new NodeStatus(
                reader.GetString(0),
                state,
                Timestamps.FromUnixMicroseconds(reader.GetInt64(2)),
                reader.IsDBNull(3) ? null : Timestamps.FromUnixMicroseconds(reader.GetInt64(3)),
                reader.IsDBNull(4) ? null : reader.GetString(4)));
        }

        return items;
    }
}
