using System.Text.Json.Nodes;

namespace Inspector.Grains.Storage.Postgres;

/// <summary>
/// <see cref="IRuleStore"/> on PostgreSQL. Each change and its version bump are one statement,
/// so a cache that sees the new version also sees the change.
/// </summary>
public sealed class PostgresRuleStore(PostgresDatabase database, TimeProvider time) : IRuleStore
{
    private const string BumpVersionIf = "UPDATE rules_version SET version = version + 1 WHERE id = 1 AND EXISTS";

    public async Task<bool> CreateAsync(string uuid, JsonObject document)
    {
        await using var command = database.Command($"""
            WITH created AS (
                INSERT INTO rules (uuid, created_at, body) VALUES (@uuid, @created, @body)
                ON CONFLICT (uuid) DO NOTHING
                RETURNING 1),
            bumped AS ({BumpVersionIf} (SELECT 1 FROM created))
            SELECT count(*) FROM created
            """, ("uuid", uuid), ("created", time.GetUtcNow().UtcDateTime), ("body", document.ToJsonString()));
        return (long)(await command.ExecuteScalarAsync())! == 1;
    }

    public async Task<JsonObject?> GetAsync(string uuid, CancellationToken ct = default)
    {
        await using var command = database.Command("SELECT body FROM rules WHERE uuid = @uuid", ("uuid", uuid));
        return await command.ExecuteScalarAsync(ct) is string body ? JsonNode.Parse(body) as JsonObject : null;
    }

    public async Task<IReadOnlyList<JsonObject>> ListAsync(CancellationToken ct = default)
    {
        await using var command = database.Command("SELECT body FROM rules ORDER BY seq");
        await using var reader = await command.ExecuteReaderAsync(ct);
        var rules = new List<JsonObject>();
        while (await reader.ReadAsync(ct))
        {
            rules.Add((JsonObject)JsonNode.Parse(reader.GetString(0))!);
        }

        return rules;
    }

    public async Task<bool> DeleteAsync(string uuid)
    {
        await using var command = database.Command($"""
            WITH deleted AS (DELETE FROM rules WHERE uuid = @uuid RETURNING 1),
            bumped AS ({BumpVersionIf} (SELECT 1 FROM deleted))
            SELECT count(*) FROM deleted
            """, ("uuid", uuid));
        return (long)(await command.ExecuteScalarAsync())! == 1;
    }

    public async Task DeleteAllAsync()
    {
        await using var command = database.Command("""
            WITH deleted AS (DELETE FROM rules RETURNING 1)
            UPDATE rules_version SET version = version + 1 WHERE id = 1
            """);
        await command.ExecuteNonQueryAsync();
    }

    public async Task<long> VersionAsync(CancellationToken ct = default)
    {
        await using var command = database.Command("SELECT version FROM rules_version WHERE id = 1");
        return await command.ExecuteScalarAsync(ct) is long version ? version : 0;
    }
}
