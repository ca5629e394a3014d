using Inspector.Grains.Storage.Sqlite;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging.Abstractions;

namespace Inspector.Tests.Storage;

/// <summary>An embedded database written by an earlier version opens with its data intact.</summary>
public sealed class SqliteMigrationSpecs : IDisposable
{
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("inspector-migration-");

    private string Path => System.IO.Path.Combine(_directory.FullName, "inspector.sqlite");

    [Fact]
    public async Task Data_stored_while_it_was_keyed_by_node_is_kept_when_it_moves_to_arrival_order()
    {
        // Schema version 3 as released: step 4 only rebuilds this table, so it is the only one here.
        Execute(
            """
            CREATE TABLE introspection_data (
                uuid TEXT NOT NULL, processed INTEGER NOT NULL, data TEXT NOT NULL,
                PRIMARY KEY (uuid, processed)
            ) WITHOUT ROWID;
            INSERT INTO introspection_data VALUES ('node-a', 0, '{"inventory": {}}'), ('node-a', 1, '{"cpu_arch": "x86_64"}'),
                ('node-b', 0, '{"boot_interface": "52:54:00:00:00:02"}');
            PRAGMA user_version = 3;
            """);

        using (var database = Open())
        {
            Assert.Equal([4], database.Applied);
            var data = new SqliteIntrospectionDataStore(database);
            Assert.Equal("""{"inventory": {}}""", await data.GetAsync("node-a", processed: false));
            Assert.Equal("""{"cpu_arch": "x86_64"}""", await data.GetAsync("node-a", processed: true));
            Assert.Equal("""{"boot_interface": "52:54:00:00:00:02"}""", await data.GetAsync("node-b", processed: false));
            Assert.Null(await data.GetAsync("node-b", processed: true));

            // Still one row per node and kind: saving again replaces it.
            await data.SaveAsync("node-a", processed: true, """{"cpu_arch": "aarch64"}"""u8.ToArray());
            Assert.Equal("""{"cpu_arch": "aarch64"}""", await data.GetAsync("node-a", processed: true));
            Assert.Equal(3L, Scalar("SELECT COUNT(*) FROM introspection_data"));
        }

        using (var reopened = Open())
        {
            Assert.Empty(reopened.Applied);
        }
    }

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        _directory.Delete(recursive: true);
    }

    private SqliteDatabase Open() => new(Path, NullLogger<SqliteDatabase>.Instance);

    private void Execute(string sql) => Scalar(sql);

    private object? Scalar(string sql)
    {
        using var connection = new SqliteConnection($"Data Source={Path}");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return command.ExecuteScalar();
    }
}
