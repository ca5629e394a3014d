using Inspector.Grains.Configuration;
using Inspector.Grains.Storage.Postgres;
using Inspector.Tests.Infrastructure;
using Inspector.Tests.Processes;
using Npgsql;

namespace Inspector.Tests.Storage;

/// <summary>The PostgreSQL schema: numbered migrations, applied once, safely from many processes.</summary>
[Collection("postgres")]
public sealed class PostgresMigrationSpecs(PostgresServer postgres)
{
    private static readonly string[] Tables =
    [
        "inspector_schema_version", "introspection_data", "lookup_attributes", "nodes",
        "orleans_membership", "orleans_membership_version", "orleansquery", "rules", "rules_version",
    ];

    [Fact]
    public async Task Migrations_apply_once_and_applying_them_again_is_harmless()
    {
        var (url, name) = await NewDatabaseAsync();
        await using var database = new PostgresDatabase(DatabaseConnection.Parse(url));

        var first = await PostgresMigrations.ApplyAsync(database.DataSource);
        await postgres.PsqlAsync(name, "INSERT INTO rules (uuid, created_at, body) VALUES ('r', now(), '{}')");
        var second = await PostgresMigrations.ApplyAsync(database.DataSource);

        Assert.Equal(PostgresMigrations.All.Select(m => m.Version), first.Select(m => m.Version));
        Assert.Equal([1, 2, 3, 4], first.Select(m => m.Version));
        Assert.Empty(second);
        Assert.Equal(string.Join('\n', Tables), await TablesAsync(name));
        Assert.Equal("1|2|3|4", await postgres.PsqlAsync(name, "SELECT string_agg(version::text, '|' ORDER BY version) FROM inspector_schema_version"));

        // Each step is idempotent by itself too, should one ever run again without its record.
        foreach (var migration in PostgresMigrations.All)
        {
            await postgres.PsqlAsync(name, migration.Sql);
        }

        Assert.Equal("1", await postgres.PsqlAsync(name, "SELECT count(*) FROM rules"));
        Assert.Equal("0", await postgres.PsqlAsync(name, "SELECT version FROM rules_version"));
    }

    [Fact]
    public async Task Processes_starting_together_apply_each_migration_exactly_once()
    {
        var (url, name) = await NewDatabaseAsync();
        var sources = Enumerable.Range(0, 6).Select(_ => new PostgresDatabase(DatabaseConnection.Parse(url))).ToList();
        try
        {
            var results = await Task.WhenAll(sources.Select(s => Task.Run(() => PostgresMigrations.ApplyAsync(s.DataSource))));

            Assert.Equal(PostgresMigrations.All.Count, results.Sum(r => r.Count));
            Assert.Equal(string.Join('\n', Tables), await TablesAsync(name));
        }
        finally
        {
            foreach (var source in sources)
            {
                await source.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task The_orleans_query_table_holds_every_query_the_clustering_provider_requires()
    {
        var (url, name) = await NewDatabaseAsync();
        await using var database = new PostgresDatabase(DatabaseConnection.Parse(url));
        await PostgresMigrations.ApplyAsync(database.DataSource);

        var keys = (await postgres.PsqlAsync(name, "SELECT QueryKey FROM OrleansQuery ORDER BY QueryKey")).Split('\n');

        // The keys Orleans.Clustering.AdoNet 10.4.2 refuses to start without.
        Assert.Equal(
            [
                "CleanupDefunctSiloEntriesKey", "DeleteMembershipTableEntriesKey", "GatewaysQueryKey", "InsertMembershipKey",
                "InsertMembershipVersionKey", "MembershipReadAllKey", "MembershipReadRowKey", "UpdateIAmAlivetimeKey",
                "UpdateMembershipKey",
            ],
            keys);
    }

    [Theory]
    [InlineData(HostKind.WebFront)]
    [InlineData(HostKind.Silo)]
    public async Task Upgrade_db_applies_the_migrations_says_so_and_exits_0(HostKind kind)
    {
        var (url, name) = await NewDatabaseAsync();
        var config = await WriteConfigAsync(url);

        var (exitCode, stdout, stderr) = await HostProcess.RunToExitAsync(kind, TimeSpan.FromSeconds(60), "--config-file", config, "--upgrade-db");

        Assert.True(exitCode == 0, $"exit code {exitCode}: {stdout}{stderr}");
        Assert.Contains("Applied migration 0001 nodes", stdout, StringComparison.Ordinal);
        Assert.Contains("Applied migration 0004 orleans_clustering", stdout, StringComparison.Ordinal);
        Assert.DoesNotContain(PostgresServer.Password, stdout, StringComparison.Ordinal);
        Assert.Equal(string.Join('\n', Tables), await TablesAsync(name));

        var again = await HostProcess.RunToExitAsync(kind, TimeSpan.FromSeconds(60), "--config-file", config, "--upgrade-db");
        Assert.True(again.ExitCode == 0, $"exit code {again.ExitCode}: {again.Stdout}{again.Stderr}");
        Assert.Contains("already up to date", again.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("Applied migration", again.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Two_upgrades_run_at_once_both_succeed()
    {
        var (url, name) = await NewDatabaseAsync();
        var config = await WriteConfigAsync(url);

        var runs = await Task.WhenAll(
            HostProcess.RunToExitAsync(HostKind.Silo, TimeSpan.FromSeconds(60), "--config-file", config, "--upgrade-db"),
            HostProcess.RunToExitAsync(HostKind.WebFront, TimeSpan.FromSeconds(60), "--config-file", config, "--upgrade-db"));

        Assert.All(runs, run => Assert.True(run.ExitCode == 0, $"exit code {run.ExitCode}: {run.Stdout}{run.Stderr}"));
        Assert.Equal(PostgresMigrations.All.Count, runs.Sum(r => r.Stdout.Split('\n').Count(l => l.StartsWith("Applied migration", StringComparison.Ordinal))));
        Assert.Equal(string.Join('\n', Tables), await TablesAsync(name));
    }

    [Theory]
    [InlineData(HostKind.WebFront, false)]
    [InlineData(HostKind.Silo, false)]
    [InlineData(HostKind.WebFront, true)]
    public async Task An_unreachable_database_stops_start_up_with_exit_code_3_and_a_clear_message(HostKind kind, bool wrongPassword)
    {
        postgres.SkipUnlessAvailable();
        var url = wrongPassword
            ? $"postgresql://{PostgresServer.User}:not-the-password@127.0.0.1:{postgres.Port}/postgres"
            : $"postgresql://{PostgresServer.User}:{PostgresServer.Password}@127.0.0.1:{FreePorts.Next()}/inspector";
        var config = await WriteConfigAsync(url, $"[DEFAULT]\nlisten_port = {FreePorts.Next()}\n[orleans]\nsilo_port = {FreePorts.Next()}\ngateway_port = {FreePorts.Next()}\n");

        var started = DateTime.UtcNow;
        var (exitCode, stdout, stderr) = await HostProcess.RunToExitAsync(kind, TimeSpan.FromSeconds(60), "--config-file", config);

        Assert.True(exitCode == 3, $"exit code {exitCode}: {stdout}{stderr}");
        Assert.Contains("Database error: Cannot use the PostgreSQL database 127.0.0.1:", stderr, StringComparison.Ordinal);
        Assert.Contains("[database] connection", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("not-the-password", stderr + stdout, StringComparison.Ordinal);
        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(30), "start-up should fail fast, not hang");
    }

    private async Task<(string Url, string Name)> NewDatabaseAsync()
    {
        var url = await postgres.CreateDatabaseAsync("migrations");
        return (url, new Uri(url).AbsolutePath.TrimStart('/'));
    }

    private static async Task<string> WriteConfigAsync(string url, string more = "")
    {
        var directory = Directory.CreateTempSubdirectory("inspector-upgrade-").FullName;
        var file = Path.Combine(directory, "inspector.conf");
        await File.WriteAllTextAsync(file, $"[database]\nconnection = {url}\n{more}");
        return file;
    }

    private Task<string> TablesAsync(string database) =>
        postgres.PsqlAsync(database, "SELECT string_agg(tablename, E'\\n' ORDER BY tablename) FROM pg_tables WHERE schemaname = 'public'");
}
