using System.Net;
using Inspector.Tests.Infrastructure;

namespace Inspector.Tests.Processes;

/// <summary>
/// The cluster deployment: two <c>Inspector.Silo</c> processes and a web front that finds them in
/// the PostgreSQL membership table, sharing one database.
/// </summary>
[Collection(HostProcess.Collection)]
public sealed class PostgresClusterSpecs(PostgresServer postgres) : IClassFixture<PostgresServer>, IAsyncLifetime
{
    private PostgresCluster? _cluster;

    private PostgresCluster Cluster => _cluster!;

    public async ValueTask InitializeAsync()
    {
        postgres.SkipUnlessAvailable();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        _cluster = await PostgresCluster.StartAsync(postgres, silos: 2);
        TestContext.Current.TestOutputHelper?.WriteLine($"The cluster started in {clock.Elapsed.TotalSeconds:F1} s");
    }

    public async ValueTask DisposeAsync()
    {
        if (_cluster is not null)
        {
            await _cluster.DisposeAsync();
        }
    }

    [Fact]
    public async Task Two_silos_and_a_client_web_front_on_postgresql_introspect_nodes_end_to_end()
    {
        var members = await Cluster.MembershipAsync();
        Assert.Equal(Cluster.Silos.Select(s => s.SiloPort).Order(), members.Where(m => m.Status == SiloMembership.Active).Select(m => m.Port).Order());
        Assert.All(members, m => Assert.Equal("127.0.0.1", m.Address));

        var macs = Enumerable.Range(0, 20).Select(_ => InspectorHost.RandomMac()).ToList();
        var nodes = macs.Select(mac => Cluster.Ironic.AddNode(null, "manageable", new System.Text.Json.Nodes.JsonObject { ["ipmi_address"] = "192.0.2.10" }, [mac])).ToList();
        foreach (var node in nodes)
        {
            await (await Cluster.Client.PostAsync($"/v1/introspection/{node}?manage_boot=false", null)).AssertAcceptedAsync();
        }

        foreach (var (node, mac) in nodes.Zip(macs))
        {
            await WaitForStateAsync(node, "waiting");
            using var body = new StringContent(RamdiskPayloads.Ipa(mac).ToJsonString());
            await (await Cluster.Client.PostAsync("/v1/continue", body)).AssertJsonAsync(HttpStatusCode.OK);
        }

        foreach (var node in nodes)
        {
            await WaitForStateAsync(node, "finished");
        }

        TestContext.Current.TestOutputHelper?.WriteLine($"20 nodes introspected at {DateTime.UtcNow:HH:mm:ss.fff}");

        var list = await (await Cluster.Client.GetAsync("/v1/introspection?limit=100")).AssertJsonAsync(HttpStatusCode.OK);
        Assert.Equal(nodes.Order(), list["introspection"]!.AsArray().Select(s => (string)s!["uuid"]!).Order());
        Assert.Equal("20", await postgres.PsqlAsync(Cluster.DatabaseName, "SELECT count(*) FROM nodes WHERE state = 'finished'"));
        // Each node was processed once: one PATCH per node.
        Assert.All(nodes, node => Assert.Single(Cluster.Ironic.Calls, c => c.Method == "PATCH" && c.Path == $"/v1/nodes/{node}"));
    }

    [Fact]
    public async Task A_killed_silo_is_declared_dead_within_seconds_and_the_other_serves_its_nodes()
    {
        var mac = InspectorHost.RandomMac();
        var node = Cluster.Ironic.AddNode(null, "manageable", new System.Text.Json.Nodes.JsonObject { ["ipmi_address"] = "192.0.2.10" }, [mac]);
        await (await Cluster.Client.PostAsync($"/v1/introspection/{node}?manage_boot=false", null)).AssertAcceptedAsync();
        await WaitForStateAsync(node, "waiting");

        await Cluster.KillSiloAsync(0);
        var gap = await Cluster.WaitUntilDeclaredDeadAsync(0, TimeSpan.FromSeconds(30));
        TestContext.Current.TestOutputHelper?.WriteLine($"silo-1 was declared dead {gap.TotalSeconds:F1} s after SIGKILL");
        Assert.True(gap < TimeSpan.FromSeconds(10), $"declared dead after {gap.TotalSeconds:F1} s");

        // Whichever silo owned the node, its state is in the database: the survivor takes over.
        using var body = new StringContent(RamdiskPayloads.Ipa(mac).ToJsonString());
        await (await Cluster.Client.PostAsync("/v1/continue", body)).AssertJsonAsync(HttpStatusCode.OK);
        await WaitForStateAsync(node, "finished");

        await Cluster.RestartSiloAsync(0);
        await Cluster.WaitForActiveSilosAsync(2, TimeSpan.FromSeconds(30));
        await (await Cluster.Client.GetAsync($"/v1/introspection/{node}")).AssertJsonAsync(HttpStatusCode.OK);
    }

    private async Task WaitForStateAsync(string node, string state)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            using var response = await Cluster.Client.GetAsync($"/v1/introspection/{node}");
            var status = response.StatusCode == HttpStatusCode.OK ? await response.AssertJsonAsync(HttpStatusCode.OK) : null;
            if ((string?)status?["state"] == state)
            {
                return;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Node {node} is not {state}: {(int)response.StatusCode} {status?.ToJsonString()}");
            }

            await Task.Delay(50);
        }
    }
}
