namespace Inspector.Grains.Storage.Sqlite;

/// <summary><see cref="IIntrospectionDataStore"/> on the embedded SQLite database.</summary>
public sealed class SqliteIntrospectionDataStore(SqliteDatabase database) : IIntrospectionDataStore
{
    public Task SaveAsync(string uuid, bool processed, string json) =>
        database.WriteAsync(connection =>
        {
            using var command = connection.Command("""
                INSERT INTO introspection_data (uuid, processed, data) VALUES ($uuid, $processed, $data)
                ON CONFLICT (uuid, processed) DO UPDATE SET data = excluded.data
                """, ("$uuid", uuid), ("$processed", processed), ("$data", json));
            return command.ExecuteNonQuery();
        });

    public Task<string?> GetAsync(string uuid, bool processed, CancellationToken ct = default) =>
        database.ReadAsync(connection =>
        {
            using var command = connection.Command(
                "SELECT data FROM introspection_data WHERE uuid = $uuid AND processed = $processed", ("$uuid", uuid), ("$processed", processed));
            return command.ExecuteScalar() as string;
        }, ct);

    public Task DeleteAsync(string uuid) =>
        database.WriteAsync(connection =>
        {
            using var command = connection.Command("DELETE FROM introspection_data WHERE uuid = $uuid", ("$uuid", uuid));
            return command.ExecuteNonQuery();
        });
}
