using Microsoft.Data.Sqlite;

namespace Inspector.Grains.Storage.Sqlite;

/// <summary>
/// Versioned schema of the embedded database. Each step runs once, in order, recorded in
/// <c>PRAGMA user_version</c>; running the migration again is harmless.
/// </summary>
internal static class SqliteSchema
{
    private static readonly string[] Steps =
    [
        """
        CREATE TABLE IF NOT EXISTS nodes (
            uuid        TEXT    NOT NULL PRIMARY KEY,
            etag        INTEGER NOT NULL,
            state       TEXT    NOT NULL,
            started_at  INTEGER NOT NULL,  -- microseconds since the Unix epoch, UTC
            finished_at INTEGER NULL,
            error       TEXT    NULL,
            body        TEXT    NOT NULL   -- the node grain's state as JSON
        ) WITHOUT ROWID;
        CREATE INDEX IF NOT EXISTS nodes_newest_first ON nodes (started_at DESC, uuid DESC);
        CREATE INDEX IF NOT EXISTS nodes_by_state ON nodes (state, started_at DESC, uuid DESC);
        CREATE INDEX IF NOT EXISTS nodes_unfinished ON nodes (started_at) WHERE finished_at IS NULL;
        CREATE TABLE IF NOT EXISTS lookup_attributes (
            name      TEXT NOT NULL,
            value     TEXT NOT NULL,
            node_uuid TEXT NOT NULL REFERENCES nodes (uuid) ON DELETE CASCADE,
            PRIMARY KEY (name, value, node_uuid)
        ) WITHOUT ROWID;
        CREATE INDEX IF NOT EXISTS lookup_attributes_by_node ON lookup_attributes (node_uuid);
        """,
        """
        CREATE TABLE IF NOT EXISTS introspection_data (
            uuid      TEXT    NOT NULL,
            processed INTEGER NOT NULL,
            data      TEXT    NOT NULL,
            PRIMARY KEY (uuid, processed)
        ) WITHOUT ROWID;
        """,
        """
        CREATE TABLE IF NOT EXISTS rules (
            seq        INTEGER PRIMARY KEY AUTOINCREMENT,  -- creation order
            uuid       TEXT    NOT NULL UNIQUE,
            created_at INTEGER NOT NULL,
            body       TEXT    NOT NULL
        );
        CREATE TABLE IF NOT EXISTS rules_version (
            id      INTEGER PRIMARY KEY,
            version INTEGER NOT NULL
        );
        """,
        // The data had the node's UUID as its clustering key: every ramdisk's 4-15 KB landed on
        // a random leaf, which split every few rows, and each page it touched went through the
        // WAL and then the checkpoint. Keyed by insertion order, new data goes to the end of the
        // table and only a small index entry lands at random (docs/benchmarks.md, step 17).
        """
        CREATE TABLE introspection_data_by_arrival (
            id        INTEGER PRIMARY KEY,
            uuid      TEXT    NOT NULL,
            processed INTEGER NOT NULL,
            data      TEXT    NOT NULL,
            UNIQUE (uuid, processed)
        );
        INSERT INTO introspection_data_by_arrival (uuid, processed, data)
            SELECT uuid, processed, data FROM introspection_data;
        DROP TABLE introspection_data;
        ALTER TABLE introspection_data_by_arrival RENAME TO introspection_data;
        """,
    ];

    /// <summary>Applies the missing steps; returns their numbers (from 1).</summary>
    public static IReadOnlyList<int> Migrate(SqliteConnection connection)
    {
        using var transaction = connection.BeginTransaction();
        var current = Convert.ToInt32(Scalar(connection, "PRAGMA user_version"), System.Globalization.CultureInfo.InvariantCulture);
        var applied = new List<int>();
        for (var version = current; version < Steps.Length; version++)
        {
            Scalar(connection, Steps[version]);
            Scalar(connection, $"PRAGMA user_version = {version + 1}");
            applied.Add(version + 1);
        }

        transaction.Commit();
        return applied;
    }

    private static object? Scalar(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return command.ExecuteScalar();
    }
}
