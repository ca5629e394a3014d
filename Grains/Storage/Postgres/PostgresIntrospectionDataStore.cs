using System.Text;

namespace Inspector.Grains.Storage.Postgres;

/// <summary><see cref="IIntrospectionDataStore"/> on PostgreSQL.</summary>
public sealed class PostgresIntrospectionDataStore(PostgresDatabase database) : IIntrospectionDataStore
{
    public async Task SaveAsync(string uuid, bool processed, byte[] utf8Json)
    {
        await using var command = database.Command("""
            INSERT INTO introspection_data (uuid, processed, data) VALUES (@uuid, @processed, @data)
            ON CONFLICT (uuid, processed) DO UPDATE SET data = excluded.data
            """, ("uuid", uuid), ("processed", processed), ("data", Encoding.UTF8.GetString(utf8Json)));
        await command.ExecuteNonQueryAsync();
    }

    public async Task<string?> GetAsync(string uuid, bool processed, CancellationToken ct = default)
    {
        await using var command = database.Command(
            "SELECT data FROM introspection_data WHERE uuid = @uuid AND processed = @processed", ("uuid", uuid), ("processed", processed));
        return await command.ExecuteScalarAsync(ct) as string;
    }

    public async Task DeleteAsync(string uuid)
    {
        await using var command = database.Command("DELETE FROM introspection_data WHERE uuid = @uuid", ("uuid", uuid));
        await command.ExecuteNonQueryAsync();
    }
}
