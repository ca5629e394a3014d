namespace Inspector.Grains.Storage.Sqlite;

/// <summary><see cref="IIntrospectionDataStore"/> on the embedded SQLite database.</summary>
public sealed class SqliteIntrospectionDataStore(SqliteDatabase database) : IIntrospectionDataStore
{
    public Task SaveAsync(string uuid, bool processed, string json) =>
        database.WriteAsync(connection =>
        {
            using var command = connection.CreateCommand();
            command.CommandText = """
                INSERT INTO introspection_data (uuid, processed, data) VALUES ($uuid, $processed, $data)
                ON CONFLICT (uuid, processed) DO UPDATE SET data = excluded.data
                """;
            command.Parameters.AddWithValue("$uuid", uuid);
            command.Parameters.AddWithValue("$processed", processed);
            command.Parameters.AddWithValue("$data", json);
            return command.ExecuteNonQuery();
        });

    public Task<string?> GetAsync(string uuid, bool processed, CancellationToken ct = default) =>
        database.ReadAsync(connection =>
        {
            using var command = connection.CreateCommand();
            command.CommandText = "SELECT data FROM introspection_data WHERE uuid = $uuid AND processed = $processed";
            command.Parameters.AddWithValue("$uuid", uuid);
            command.Parameters.AddWithValue("$processed", processed);
            return command.ExecuteScalar() as string;
        }, ct);

    public Task DeleteAsync(string uuid) =>
        database.WriteAsync(connection =>
        {
            using var command = connection.CreateCommand();
            command.CommandText = "DELETE FROM introspection_data WHERE uuid = $uuid";
            command.Parameters.AddWithValue("$uuid", uuid);
            return command.ExecuteNonQuery();
        });
}
