using System.Text.Json.Nodes;
using Inspector.Grains.Configuration;
using Inspector.Grains.Interfaces.Nodes;
using Inspector.Grains.Nodes;
using Inspector.Grains.Storage;
using Inspector.Grains.Storage.Postgres;
using Inspector.Grains.Storage.Sqlite;
using Inspector.Tests.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;

namespace Inspector.Tests.Storage;

/// <summary>
/// What every store behind the grains promises, whatever the database: the same specs run on
/// the embedded SQLite database and on a real PostgreSQL server (the subclasses below).
/// </summary>
public abstract class StoreContractSpecs : IAsyncLifetime
{
    private static readonly DateTime T0 = new(2024, 5, 1, 12, 0, 0, DateTimeKind.Utc);

    protected INodeStore Nodes { get; set; } = null!;

    protected IIntrospectionDataStore Data { get; set; } = null!;

    protected IRuleStore Rules { get; set; } = null!;

    public abstract ValueTask InitializeAsync();

    public abstract ValueTask DisposeAsync();

    [Fact]
    public async Task A_written_node_reads_back_with_its_state_and_etag()
    {
        var state = Node(IntrospectionState.Waiting, T0.AddTicks(1234560), mac: "52:54:00:00:00:01");
        state.Error = null;
        state.ManageBoot = false;
        state.NewIpmiCredentials = new IpmiCredentials("admin", "secret");

        var etag = await Nodes.WriteAsync("node-a", state, expectedETag: null);
        var stored = await Nodes.ReadAsync("node-a");

        Assert.NotNull(stored);
        Assert.Equal(etag, stored.ETag);
        Assert.Equal(IntrospectionState.Waiting, stored.State.State);
        Assert.Equal(T0.AddTicks(1234560), stored.State.StartedAt);
        Assert.False(stored.State.ManageBoot);
        Assert.Equal(new IpmiCredentials("admin", "secret"), stored.State.NewIpmiCredentials);
        Assert.Equal([new LookupAttribute(LookupAttribute.Mac, "52:54:00:00:00:01"), new LookupAttribute(LookupAttribute.BmcAddress, "192.0.2.1")],
            stored.State.LookupAttributes);
        Assert.Null(await Nodes.ReadAsync("node-b"));
    }

    [Fact]
    public async Task Each_write_needs_the_etag_of_the_last_one()
    {
        var first = await Nodes.WriteAsync("node-a", Node(IntrospectionState.Waiting, T0), null);
        var second = await Nodes.WriteAsync("node-a", Node(IntrospectionState.Processing, T0), first);

        Assert.NotEqual(first, second);
        await Assert.ThrowsAsync<NodeStoreConflictException>(
            () => Nodes.WriteAsync("node-a", Node(IntrospectionState.Error, T0), first));
        await Assert.ThrowsAsync<NodeStoreConflictException>(
            () => Nodes.WriteAsync("node-a", Node(IntrospectionState.Error, T0), null));
        await Assert.ThrowsAsync<NodeStoreConflictException>(
            () => Nodes.WriteAsync("node-new", Node(IntrospectionState.Error, T0), 7));
        Assert.Equal(IntrospectionState.Processing, (await Nodes.ReadAsync("node-a"))!.State.State);
        Assert.Equal(second, (await Nodes.ReadAsync("node-a"))!.ETag);
        Assert.Null(await Nodes.ReadAsync("node-new"));
    }

    [Fact]
    public async Task Of_concurrent_writers_with_the_same_etag_exactly_one_wins()
    {
        var etag = await Nodes.WriteAsync("node-a", Node(IntrospectionState.Waiting, T0), null);

        var attempts = await Task.WhenAll(Enumerable.Range(0, 20).Select(async i =>
        {
            try
            {
                await Nodes.WriteAsync("node-a", Node(IntrospectionState.Processing, T0.AddSeconds(i)), etag);
                return true;
            }
            catch (NodeStoreConflictException)
            {
                return false;
            }
        }));

        Assert.Single(attempts, won => won);
    }

    [Fact]
    public async Task A_conflicting_write_leaves_the_lookup_index_as_it_was()
    {
        var etag = await Nodes.WriteAsync("node-a", Node(IntrospectionState.Waiting, T0, mac: "52:54:00:00:00:01"), null);
        await Nodes.WriteAsync("node-a", Node(IntrospectionState.Waiting, T0, mac: "52:54:00:00:00:01"), etag);

        await Assert.ThrowsAsync<NodeStoreConflictException>(
            () => Nodes.WriteAsync("node-a", Node(IntrospectionState.Waiting, T0, mac: "52:54:00:00:00:99"), etag));

        Assert.Equal(["node-a"], (await Nodes.FindByAttributesAsync([Mac("52:54:00:00:00:01")])).Select(m => m.Uuid));
        Assert.Empty(await Nodes.FindByAttributesAsync([Mac("52:54:00:00:00:99")]));
    }

    [Fact]
    public async Task Deleting_a_node_removes_its_status_and_lookup_attributes()
    {
        await Nodes.WriteAsync("node-a", Node(IntrospectionState.Waiting, T0, mac: "52:54:00:00:00:01"), null);
        await Nodes.WriteAsync("node-b", Node(IntrospectionState.Waiting, T0, mac: "52:54:00:00:00:02"), null);

        await Nodes.DeleteAsync("node-a");
        await Nodes.DeleteAsync("node-never-written");

        Assert.Null(await Nodes.ReadAsync("node-a"));
        Assert.Empty(await Nodes.FindByAttributesAsync([Mac("52:54:00:00:00:01")]));
        Assert.Equal(["node-b"], await Nodes.ListUuidsAsync());
        Assert.Equal(["node-b"], (await Nodes.ListAsync(new StatusQuery(10, null, null))).Items.Select(s => s.Uuid));
        // A deleted node starts afresh.
        await Nodes.WriteAsync("node-a", Node(IntrospectionState.Starting, T0), null);
    }

    [Fact]
    public async Task The_list_is_newest_first_then_by_uuid_descending_and_pages_by_marker()
    {
        await Nodes.WriteAsync("node-1", Node(IntrospectionState.Finished, T0, finished: T0.AddMinutes(1)), null);
        await Nodes.WriteAsync("node-2", Node(IntrospectionState.Waiting, T0.AddSeconds(2)), null);
        await Nodes.WriteAsync("node-3", Node(IntrospectionState.Waiting, T0.AddSeconds(1)), null);
        await Nodes.WriteAsync("node-4", Node(IntrospectionState.Error, T0.AddSeconds(1), finished: T0.AddSeconds(5), error: "boom"), null);
        await Nodes.WriteAsync("node-5", Node(IntrospectionState.Waiting, T0.AddTicks(10)), null);

        var all = await Nodes.ListAsync(new StatusQuery(10, null, null));
        Assert.False(all.MarkerNotFound);
        Assert.Equal(["node-2", "node-4", "node-3", "node-5", "node-1"], all.Items.Select(s => s.Uuid));

        var error = all.Items.Single(s => s.Uuid == "node-4");
        Assert.Equal(new NodeStatus("node-4", IntrospectionState.Error, T0.AddSeconds(1), T0.AddSeconds(5), "boom"), error);

        var first = await Nodes.ListAsync(new StatusQuery(2, null, null));
        Assert.Equal(["node-2", "node-4"], first.Items.Select(s => s.Uuid));
        var second = await Nodes.ListAsync(new StatusQuery(2, "node-4", null));
        Assert.Equal(["node-3", "node-5"], second.Items.Select(s => s.Uuid));
        var last = await Nodes.ListAsync(new StatusQuery(2, "node-5", null));
        Assert.Equal(["node-1"], last.Items.Select(s => s.Uuid));
        Assert.Empty((await Nodes.ListAsync(new StatusQuery(2, "node-1", null))).Items);

        var unknown = await Nodes.ListAsync(new StatusQuery(2, "no-such-node", null));
        Assert.True(unknown.MarkerNotFound);
        Assert.Empty(unknown.Items);
    }

    [Fact]
    public async Task The_list_filters_by_state_and_keeps_its_order_across_pages()
    {
        await Nodes.WriteAsync("node-1", Node(IntrospectionState.Waiting, T0.AddSeconds(1)), null);
        await Nodes.WriteAsync("node-2", Node(IntrospectionState.Error, T0.AddSeconds(2), finished: T0.AddSeconds(3)), null);
        await Nodes.WriteAsync("node-3", Node(IntrospectionState.Waiting, T0.AddSeconds(3)), null);
        await Nodes.WriteAsync("node-4", Node(IntrospectionState.Finished, T0.AddSeconds(4), finished: T0.AddSeconds(5)), null);

        var waiting = await Nodes.ListAsync(new StatusQuery(10, null, [IntrospectionState.Waiting]));
        Assert.Equal(["node-3", "node-1"], waiting.Items.Select(s => s.Uuid));

        var ended = await Nodes.ListAsync(new StatusQuery(1, null, [IntrospectionState.Finished, IntrospectionState.Error]));
        Assert.Equal(["node-4"], ended.Items.Select(s => s.Uuid));
        var endedNext = await Nodes.ListAsync(new StatusQuery(1, "node-4", [IntrospectionState.Finished, IntrospectionState.Error]));
        Assert.Equal(["node-2"], endedNext.Items.Select(s => s.Uuid));

        Assert.Empty((await Nodes.ListAsync(new StatusQuery(10, null, [IntrospectionState.Reapplying]))).Items);
    }

    [Fact]
    public async Task Overdue_are_the_unfinished_introspections_started_before_the_cutoff_oldest_first()
    {
        await Nodes.WriteAsync("old-waiting", Node(IntrospectionState.Waiting, T0.AddMinutes(-10)), null);
        await Nodes.WriteAsync("older-processing", Node(IntrospectionState.Processing, T0.AddMinutes(-20)), null);
        await Nodes.WriteAsync("old-finished", Node(IntrospectionState.Finished, T0.AddMinutes(-30), finished: T0.AddMinutes(-29)), null);
        await Nodes.WriteAsync("recent", Node(IntrospectionState.Waiting, T0.AddMinutes(1)), null);
        await Nodes.WriteAsync("at-cutoff", Node(IntrospectionState.Waiting, T0), null);

        var overdue = await Nodes.FindOverdueAsync(T0, 10);
        Assert.Equal(["older-processing", "old-waiting"], overdue.Select(s => s.Uuid));
        Assert.Equal(["older-processing"], (await Nodes.FindOverdueAsync(T0, 1)).Select(s => s.Uuid));
    }

    [Fact]
    public async Task Rewrites_move_the_node_in_the_list_the_state_filter_and_the_overdue_set_as_its_times_change()
    {
        var a = await Nodes.WriteAsync("node-a", Node(IntrospectionState.Waiting, T0.AddSeconds(1)), null);
        await Nodes.WriteAsync("node-b", Node(IntrospectionState.Waiting, T0.AddSeconds(2)), null);

        a = await Nodes.WriteAsync("node-a", Node(IntrospectionState.Processing, T0.AddSeconds(1)), a);
        Assert.Equal(["node-a"], (await Nodes.ListAsync(new StatusQuery(10, null, [IntrospectionState.Processing]))).Items.Select(s => s.Uuid));
        Assert.Equal(["node-b"], (await Nodes.ListAsync(new StatusQuery(10, null, [IntrospectionState.Waiting]))).Items.Select(s => s.Uuid));

        a = await Nodes.WriteAsync("node-a", Node(IntrospectionState.Finished, T0.AddSeconds(1), finished: T0.AddSeconds(4)), a);
        Assert.Equal(["node-b"], (await Nodes.FindOverdueAsync(T0.AddMinutes(1), 10)).Select(s => s.Uuid));
        Assert.Equal(
            new NodeStatus("node-a", IntrospectionState.Finished, T0.AddSeconds(1), T0.AddSeconds(4), null),
            (await Nodes.ListAsync(new StatusQuery(10, null, null))).Items.Single(s => s.Uuid == "node-a"));

        // A new introspection of the same node: started later, unfinished again.
        await Nodes.WriteAsync("node-a", Node(IntrospectionState.Starting, T0.AddSeconds(3)), a);
        var all = await Nodes.ListAsync(new StatusQuery(10, null, null));
        Assert.Equal(["node-a", "node-b"], all.Items.Select(s => s.Uuid));
        Assert.Equal(new NodeStatus("node-a", IntrospectionState.Starting, T0.AddSeconds(3), null, null), all.Items[0]);
        Assert.Equal(["node-b", "node-a"], (await Nodes.FindOverdueAsync(T0.AddMinutes(1), 10)).Select(s => s.Uuid));
        Assert.Equal(["node-b"], (await Nodes.ListAsync(new StatusQuery(1, "node-a", null))).Items.Select(s => s.Uuid));
    }

    [Fact]
    public async Task Lookup_finds_nodes_by_any_attribute_most_matches_first()
    {
        await Nodes.WriteAsync("node-a", Node(IntrospectionState.Waiting, T0, mac: "52:54:00:00:00:01", bmc: "192.0.2.1"), null);
        await Nodes.WriteAsync("node-b", Node(IntrospectionState.Waiting, T0, mac: "52:54:00:00:00:02", bmc: "192.0.2.1"), null);

        var both = await Nodes.FindByAttributesAsync(
            [Mac("52:54:00:00:00:02"), Bmc("192.0.2.1"), Mac("52:54:00:00:00:02"), Mac("52:54:00:00:00:77")]);
        Assert.Equal([new LookupMatch("node-b", 2), new LookupMatch("node-a", 1)], both);

        Assert.Empty(await Nodes.FindByAttributesAsync([]));
        Assert.Empty(await Nodes.FindByAttributesAsync([Bmc("52:54:00:00:00:01")]));

        // A ramdisk may report any number of NICs.
        var many = Enumerable.Range(0, 700).Select(i => Mac($"52:55:00:00:{i / 256:x2}:{i % 256:x2}")).Append(Mac("52:54:00:00:00:01")).ToList();
        Assert.Equal([new LookupMatch("node-a", 1)], await Nodes.FindByAttributesAsync(many));
    }

    [Fact]
    public async Task A_rewrite_replaces_the_lookup_attributes_of_a_node()
    {
        var etag = await Nodes.WriteAsync("node-a", Node(IntrospectionState.Waiting, T0, mac: "52:54:00:00:00:01", bmc: "192.0.2.1"), null);

        var finished = Node(IntrospectionState.Finished, T0, finished: T0.AddMinutes(1));
        finished.LookupAttributes = [Mac("52:54:00:00:00:01"), Mac("52:54:00:00:00:03")];
        await Nodes.WriteAsync("node-a", finished, etag);

        Assert.Empty(await Nodes.FindByAttributesAsync([Bmc("192.0.2.1")]));
        Assert.Equal([new LookupMatch("node-a", 2)],
            await Nodes.FindByAttributesAsync([Mac("52:54:00:00:00:01"), Mac("52:54:00:00:00:03")]));
    }

    [Fact]
    public async Task Active_macs_are_those_in_the_lookup_index_and_running_means_an_unfinished_introspection()
    {
        await AssertActiveMacsAsync([], running: false);

        var etag = await Nodes.WriteAsync("node-a", Node(IntrospectionState.Waiting, T0, mac: "52:54:00:00:00:01"), null);
        await Nodes.WriteAsync("node-b", Node(IntrospectionState.Finished, T0, finished: T0.AddMinutes(1)), null);

        await AssertActiveMacsAsync(["52:54:00:00:00:01"], running: true);

        await Nodes.WriteAsync("node-a", Node(IntrospectionState.Finished, T0, finished: T0.AddMinutes(2)), etag);
        await AssertActiveMacsAsync([], running: false);
    }

    [Fact]
    public async Task Introspection_data_is_kept_per_node_processed_and_unprocessed()
    {
        await Data.SaveAsync("node-a", processed: false, """{"inventory": {"b": 1, "a": 2}}"""u8.ToArray());
        await Data.SaveAsync("node-a", processed: true, """{"done": true}"""u8.ToArray());
        await Data.SaveAsync("node-b", processed: true, """{"other": 1}"""u8.ToArray());
        await Data.SaveAsync("node-a", processed: true, """{"done": "encore, été 🚀"}"""u8.ToArray());

        Assert.Equal("""{"inventory": {"b": 1, "a": 2}}""", await Data.GetAsync("node-a", processed: false));
        Assert.Equal("""{"done": "encore, été 🚀"}""", await Data.GetAsync("node-a", processed: true));
        Assert.Null(await Data.GetAsync("node-b", processed: false));

        await Data.DeleteAsync("node-a");
        Assert.Null(await Data.GetAsync("node-a", processed: false));
        Assert.Null(await Data.GetAsync("node-a", processed: true));
        Assert.Equal("""{"other": 1}""", await Data.GetAsync("node-b", processed: true));
    }

    [Fact]
    public async Task Rules_are_listed_in_creation_order_and_every_change_bumps_the_version()
    {
        Assert.Equal(0, await Rules.VersionAsync());

        Assert.True(await Rules.CreateAsync("rule-2", Rule("second")));
        Assert.True(await Rules.CreateAsync("rule-1", Rule("first")));
        var afterCreates = await Rules.VersionAsync();
        Assert.False(await Rules.CreateAsync("rule-1", Rule("duplicate")));
        Assert.Equal(afterCreates, await Rules.VersionAsync());

        Assert.Equal(["second", "first"], (await Rules.ListAsync()).Select(r => (string?)r["description"]));
        Assert.Equal("first", (string?)(await Rules.GetAsync("rule-1"))!["description"]);
        Assert.Null(await Rules.GetAsync("rule-3"));

        Assert.True(await Rules.DeleteAsync("rule-2"));
        var afterDelete = await Rules.VersionAsync();
        Assert.True(afterDelete > afterCreates);
        Assert.False(await Rules.DeleteAsync("rule-2"));
        Assert.Equal(afterDelete, await Rules.VersionAsync());

        await Rules.DeleteAllAsync();
        Assert.True(await Rules.VersionAsync() > afterDelete);
        Assert.Empty(await Rules.ListAsync());
    }

    private async Task AssertActiveMacsAsync(string[] macs, bool running)
    {
        var active = await Nodes.ActiveMacsAsync();
        Assert.Equal(macs, active.Macs.Order(StringComparer.Ordinal));
        Assert.Equal(running, active.IntrospectionRunning);
    }

    private static NodeState Node(
        IntrospectionState state, DateTime started, DateTime? finished = null, string? error = null,
        string? mac = null, string? bmc = "192.0.2.1") => new()
    {
        State = state,
        StartedAt = started,
        FinishedAt = finished,
        Error = error,
        LookupAttributes = finished is null
            ? [.. new[] { mac is null ? null : Mac(mac), bmc is null ? null : Bmc(bmc) }.OfType<LookupAttribute>()]
            : [],
    };

    private static LookupAttribute Mac(string value) => new(LookupAttribute.Mac, value);

    private static LookupAttribute Bmc(string value) => new(LookupAttribute.BmcAddress, value);

    private static JsonObject Rule(string description) => new()
    {
        ["description"] = description,
        ["conditions"] = new JsonArray(),
        ["actions"] = new JsonArray(new JsonObject { ["action"] = "fail", ["message"] = "x" }),
    };
}

/// <summary>The store contract on the embedded SQLite database.</summary>
public sealed class SqliteStoreContractSpecs : StoreContractSpecs
{
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("inspector-store-");
    private SqliteDatabase? _database;

    public override ValueTask InitializeAsync()
    {
        _database = new SqliteDatabase(Path.Combine(_directory.FullName, "inspector.sqlite"), NullLogger<SqliteDatabase>.Instance);
        Nodes = new SqliteNodeStore(_database);
        Data = new SqliteIntrospectionDataStore(_database);
        Rules = new SqliteRuleStore(_database, TimeProvider.System);
        return ValueTask.CompletedTask;
    }

    public override ValueTask DisposeAsync()
    {
        _database?.Dispose();
        _directory.Delete(recursive: true);
        return ValueTask.CompletedTask;
    }
}

/// <summary>The store contract on a real PostgreSQL server, a new database per spec.</summary>
[Collection("postgres")]
public sealed class PostgresStoreContractSpecs(PostgresServer postgres) : StoreContractSpecs
{
    private PostgresDatabase? _database;

    public override async ValueTask InitializeAsync()
    {
        var url = await postgres.CreateDatabaseAsync("store");
        _database = new PostgresDatabase(DatabaseConnection.Parse(url));
        await PostgresMigrations.ApplyAsync(_database.DataSource);
        Nodes = new PostgresNodeStore(_database);
        Data = new PostgresIntrospectionDataStore(_database);
        Rules = new PostgresRuleStore(_database, TimeProvider.System);
    }

    public override async ValueTask DisposeAsync()
    {
        if (_database is not null)
        {
            await _database.DisposeAsync();
        }
    }
}
