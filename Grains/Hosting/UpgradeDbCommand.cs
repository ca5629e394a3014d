using Inspector.Grains.Configuration;
using Inspector.Grains.Storage.Postgres;
using Inspector.Grains.Storage.Sqlite;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging.Abstractions;

namespace Inspector.Grains.Hosting;

/// <summary>
/// <c>--upgrade-db</c> on the web front's and the silo's command line: brings the database of
/// <c>[database] connection</c> to the current schema, says what it applied and exits, as
/// <c>ironic-inspector-dbsync upgrade</c> does. Start-up applies the same migrations anyway.
/// </summary>
public static class UpgradeDbCommand
{
    public const string Flag = "--upgrade-db";

    public static bool IsRequested(string[] args) => args.Contains(Flag);

    /// <exception cref="InvalidConfigurationException">The configuration is unusable.</exception>
    /// <exception cref="DatabaseUnavailableException">The database cannot be reached.</exception>
    public static async Task<int> RunAsync(string[] args, TextWriter output)
    {
        var configuration = new ConfigurationBuilder().AddInspectorConfigFiles(args).Build();
        var connection = DatabaseServices.Connection(configuration);
        if (connection.IsPostgres)
        {
            await using var database = new PostgresDatabase(connection);
            var applied = await PostgresSchema.ApplyAsync(database);
            foreach (var migration in applied)
            {
                await output.WriteLineAsync($"Applied migration {migration.Version:D4} {migration.Name}");
            }

            await output.WriteLineAsync(
                $"Database {connection.Describe()} is at schema version {PostgresMigrations.All[^1].Version:D4}" +
                (applied.Count == 0 ? " (already up to date)" : ""));
            return 0;
        }

        using (var sqlite = new SqliteDatabase(connection.Target, NullLogger<SqliteDatabase>.Instance))
        {
            foreach (var step in sqlite.Applied)
            {
                await output.WriteLineAsync($"Applied migration {step:D4}");
            }

            await output.WriteLineAsync($"Database {connection.Describe()} is up to date" + (sqlite.Applied.Count == 0 ? " (nothing to apply)" : ""));
        }

        return 0;
    }
}
