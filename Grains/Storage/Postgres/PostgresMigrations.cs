using System.Reflection;
using Npgsql;

namespace Inspector.Grains.Storage.Postgres;

/// <summary>One numbered schema step, from <c>Migrations/NNNN_name.sql</c> (an embedded resource).</summary>
public sealed record Migration(int Version, string Name, string Sql);

/// <summary>
/// Brings a PostgreSQL database to the current schema. Each migration runs once, in its own
/// transaction, and is recorded in <c>inspector_schema_version</c>; the steps are idempotent
/// themselves too. Silos and web fronts starting together all call this: a session advisory
/// lock lets one apply the migrations while the others wait, then find nothing left to do.
/// </summary>
public static class PostgresMigrations
{
    /// <summary>Arbitrary but fixed: the key of the advisory lock that guards migrations (per database).</summary>
    private const long LockKey = 0x1257_EC70_5C4E_0001;

    private const string ResourcePrefix = "Inspector.Migrations.";

    public static IReadOnlyList<Migration> All { get; } = Load();

    /// <summary>Applies what is missing; returns the migrations it applied (none when up to date).</summary>
    public static async Task<IReadOnlyList<Migration>> ApplyAsync(NpgsqlDataSource dataSource, CancellationToken ct = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await ExecuteAsync(connection, null, $"SELECT pg_advisory_lock({LockKey})", ct);
        try
        {
            await ExecuteAsync(connection, null, """
                CREATE TABLE IF NOT EXISTS inspector_schema_version (
                    version    integer     NOT NULL PRIMARY KEY,
                    name       text        NOT NULL,
                    applied_at timestamptz NOT NULL DEFAULT now()
                )
                """, ct);
            var applied = new HashSet<int>();
            await using (var read = new NpgsqlCommand("SELECT version FROM inspector_schema_version", connection))
            await using (var reader = await read.ExecuteReaderAsync(ct))
            {
                while (await reader.ReadAsync(ct))
                {
                    applied.Add(reader.GetInt32(0));
                }
            }

            var done = new List<Migration>();
            foreach (var migration in All.Where(m => !applied.Contains(m.Version)))
            {
                await using var transaction = await connection.BeginTransactionAsync(ct);
                await ExecuteAsync(connection, transaction, migration.Sql, ct);
                await using (var record = new NpgsqlCommand(
                    "INSERT INTO inspector_schema_version (version, name) VALUES (@version, @name)", connection, transaction))
                {
                    record.Parameters.AddWithValue("version", migration.Version);
                    record.Parameters.AddWithValue("name", migration.Name);
                    await record.ExecuteNonQueryAsync(ct);
                }

                await transaction.CommitAsync(ct);
                done.Add(migration);
            }

            return done;
        }
        finally
        {
            // A pooled connection outlives this call, so unlock; if the session broke, the
            // server released the lock with it and the original error is the one to report.
            if (connection.State == System.Data.ConnectionState.Open)
            {
                try
                {
                    await ExecuteAsync(connection, null, $"SELECT pg_advisory_unlock({LockKey})", CancellationToken.None);
                }
                catch (NpgsqlException)
                {
                }
            }
        }
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, string sql, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(sql, connection, transaction);
        await command.ExecuteNonQueryAsync(ct);
    }

    private static List<Migration> Load()
    {
        var assembly = typeof(PostgresMigrations).Assembly;
        var migrations = new List<Migration>();
        foreach (var resource in assembly.GetManifestResourceNames().Where(r => r.StartsWith(ResourcePrefix, StringComparison.Ordinal)))
        {
            // NNNN_name.sql
            var file = resource[ResourcePrefix.Length..^".sql".Length];
            var underscore = file.IndexOf('_', StringComparison.Ordinal);
            var version = int.Parse(file[..underscore], System.Globalization.CultureInfo.InvariantCulture);
            migrations.Add(new Migration(version, file[(underscore + 1)..], Read(assembly, resource)));
        }

        migrations.Sort((a, b) => a.Version.CompareTo(b.Version));
        if (migrations.Select(m => m.Version).Distinct().Count() != migrations.Count)
        {
            throw new InvalidOperationException("Two PostgreSQL migrations share a number");
        }

        return migrations;
    }

    private static string Read(Assembly assembly, string resource)
    {
        using var stream = assembly.GetManifestResourceStream(resource)!;
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
