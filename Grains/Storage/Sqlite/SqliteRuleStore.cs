using System.Text.Json.Nodes;
using Microsoft.Data.Sqlite;

namespace Inspector.Grains.Storage.Sqlite;

/// <summary><see cref="IRuleStore"/> on the embedded SQLite database.</summary>
public sealed class SqliteRuleStore(SqliteDatabase database, TimeProvider time) : IRuleStore
{
    public Task<bool> CreateAsync(string uuid, JsonObject document)
    {
        var body = document.ToJsonString();
        var createdAt = time.GetUtcNow().ToUnixTimeMilliseconds();
        return database.WriteAsync(connection =>
        {
            using var insert = connection.Command(
                "INSERT INTO rules (uuid, created_at, body) VALUES ($uuid, $created, $body) ON CONFLICT (uuid) DO NOTHING",
                ("$uuid", uuid), ("$created", createdAt), ("$body", body));
            var created = insert.ExecuteNonQuery() == 1;
            if (created)
            {
                BumpVersion(connection);
            }

            return created;
        });
    }

    public Task<JsonObject?> GetAsync(string uuid, CancellationToken ct = default) =>
        database.ReadAsync(connection =>
        {
            using var command = connection.Command("SELECT body FROM rules WHERE uuid = $uuid", ("$uuid", uuid));
            return command.ExecuteScalar() is string body ? JsonNode.Parse(body) as JsonObject : null;
        }, ct);

    public Task<IReadOnlyList<JsonObject>> ListAsync(CancellationToken ct = default) =>
        database.ReadAsync<IReadOnlyList<JsonObject>>(connection =>
        {
            using var command = connection.Command("SELECT body FROM rules ORDER BY seq");
            using var reader = command.ExecuteReader();
            var rules = new List<JsonObject>();
            while (reader.Read())
            {
                rules.Add((JsonObject)JsonNode.Parse(reader.GetString(0))!);
            }

            return rules;
        }, ct);

    public Task<bool> DeleteAsync(string uuid) =>
        database.WriteAsync(connection =>
        {
            using var command = connection.Command("DELETE FROM rules WHERE uuid = $uuid", ("$uuid", uuid));
            var deleted = command.ExecuteNonQuery() == 1;
            if (deleted)
            {
                BumpVersion(connection);
            }

            return deleted;
        });

    public Task DeleteAllAsync() =>
        database.WriteAsync(connection =>
        {
            using var command = connection.Command("DELETE FROM rules");
            command.ExecuteNonQuery();
            BumpVersion(connection);
            return 0;
        });

    public Task<long> VersionAsync(CancellationToken ct = default) =>
        database.ReadAsync(connection =>
        {
            using var command = connection.Command("SELECT version FROM rules_version WHERE id = 1");
            return command.ExecuteScalar() is long version ? version : 0;
        }, ct);

    private static void BumpVersion(SqliteConnection connection)
    {
        using var command = connection.Command(
            "INSERT INTO rules_version (id, version) VALUES (1, 1) ON CONFLICT (id) DO UPDATE SET version = version + 1");
        command.ExecuteNonQuery();
    }
}
