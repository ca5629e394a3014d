namespace Inspector.Grains.Storage.Sqlite;

/// <summary><see cref="IIntrospectionDataStore"/> on the embedded SQLite database.</summary>
public sealed class SqliteIntrospectionDataStore(SqliteDatabase database) : IIntrospectionDataStore
{
    // The bytes are bound as they are (a blob) and stored as text: SQLite's text is UTF-8, so the
    // cast only relabels them, where binding a string would encode it again.
    public Task SaveAsync(string uuid, bool processed, byte[] utf8Json) =>
        database.WriteAsync(connection =>
            connection.Reused("""
                INSERT INTO introspection_data (uuid, processed, data) VALUES ($uuid, $processed, CAST($data AS TEXT))
                ON CONFLICT (uuid, processed) DO UPDATE SET data = excluded.data
                """, ("$uuid", uuid), ("$processed", processed), ("$data", utf8Json)).ExecuteNonQuery());

    public Task<string?> GetAsync(string uuid, bool processed, CancellationToken ct = default) =>
        database.ReadAsync(connection =>
        {
            using var command = connection.Command(
                "SELECT data FROM introspection_data WHERE uuid = $uuid AND processed = $processed", ("$uuid", uuid), ("$processed", processed));
            return command.ExecuteScalar() as string;
        }, ct);

    public Task DeleteAsync(string uuid) =>
        database.WriteAsync(connection =>
            connection.Reused("DELETE FROM introspection_data WHERE uuid = $uuid", ("$uuid", uuid)).ExecuteNonQuery());
}
