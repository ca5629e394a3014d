using System.Collections.Concurrent;
using System.Net;
using System.Text.Json.Nodes;
using Inspector.Tests.Infrastructure;

namespace Inspector.Tests.Processes;

/// <summary>
/// Failover of the cluster deployment (separate silo processes and a client web front on
/// PostgreSQL): a silo killed with SIGKILL in the middle of a fleet's introspection, timeouts of
/// nodes whose silo died, and a restart of every process. Nothing is lost, nothing stays stuck,
/// nothing is processed twice, and clients never see a 500.
/// </summary>
[Collection(HostProcess.Collection)]
public sealed class ClusterFailoverSpecs(PostgresServer postgres) : IClassFixture<PostgresServer>
{
    private const int FleetSize = 300;

    /// <summary>Fast housekeeping so timeouts and interrupted runs are taken over within seconds.</summary>
    private static readonly Dictionary<string, string> Housekeeping = new()
    {
        ["DEFAULT"] = "clean_up_period = 1",
        ["processing"] = "store_data = database",
    };

    private readonly ConcurrentBag<(HttpStatusCode Status, string Body, bool RetryAfter, DateTime At)> _failures = [];

    [Fact]
    public async Task A_silo_killed_while_a_fleet_is_processed_loses_no_node_and_processes_none_twice()
    {
        postgres.SkipUnlessAvailable();
        await using var cluster = await PostgresCluster.StartAsync(postgres, silos: 3, Housekeeping);
        var fleet = Enumerable.Range(0, FleetSize).Select(_ => EnrolNode(cluster)).ToList();

        var processed = 0;
        var killed = new TaskCompletionSource<DateTime>();
        var postedAt = new ConcurrentDictionary<string, DateTime>();
        var ramdisks = fleet.Select(async node =>
        {
            await SendUntilAnsweredAsync(cluster, () => new HttpRequestMessage(HttpMethod.Post, $"/v1/introspection/{node.Uuid}"));
            postedAt[node.Uuid] = DateTime.UtcNow;
            var (reply, _) = await SendUntilAnsweredAsync(cluster, () => new HttpRequestMessage(HttpMethod.Post, "/v1/continue")
            {
                Content = new StringContent(RamdiskPayloads.Ipa(node.Mac).ToJsonString()),
            });
            if (Interlocked.Increment(ref processed) == FleetSize / 3)
            {
                await cluster.KillSiloAsync(1);
                killed.SetResult(DateTime.UtcNow);
            }

            return reply;
        }).ToList();

        await Task.WhenAll(ramdisks);
        Assert.True(killed.Task.IsCompleted, "the silo was never killed");

        var statuses = await WaitUntilNoneRunningAsync(cluster, fleet.Select(n => n.Uuid), TimeSpan.FromSeconds(90));
        var finished = statuses.Where(s => (string?)s["state"] == "finished").Select(s => (string)s["uuid"]!).ToHashSet();
        var killedAt = await killed.Task;
        Assert.All(statuses.Where(s => !finished.Contains((string)s["uuid"]!)), s =>
        {
            Assert.Equal("error", (string?)s["state"]);
            Assert.False(string.IsNullOrWhiteSpace((string?)s["error"]), $"error without a reason: {s.ToJsonString()}");
            // Only runs cut short by the kill may end in error: their data was posted before it.
            // How many those are depends on how busy the machine is; which ones does not.
            Assert.True(postedAt[(string)s["uuid"]!] < killedAt, $"posted after the kill and not finished: {s.ToJsonString()}");
        });
        // The kill came once a third of the fleet had its answer: at least those finished.
        Assert.True(finished.Count >= FleetSize / 3, $"only {finished.Count} of {FleetSize} finished");

        var patches = cluster.Ironic.Calls.Where(c => c.Method == "PATCH" && c.Path.StartsWith("/v1/nodes/", StringComparison.Ordinal))
            .GroupBy(c => c.Path["/v1/nodes/".Length..]).ToDictionary(g => g.Key, g => g.Count());
        Assert.All(fleet, node => Assert.True(patches.GetValueOrDefault(node.Uuid) <= 1, $"node {node.Uuid} was updated {patches.GetValueOrDefault(node.Uuid)} times"));
        Assert.All(finished, uuid => Assert.Equal(1, patches.GetValueOrDefault(uuid)));

        foreach (var uuid in finished)
        {
            var data = await (await cluster.Client.GetAsync($"/v1/introspection/{uuid}/data")).AssertJsonAsync(HttpStatusCode.OK);
            Assert.NotNull(data["inventory"]?["interfaces"]);
        }

        AssertFailuresWereRetryable503s();
        var unavailable = _failures.Where(f => f.Status == HttpStatusCode.ServiceUnavailable).Select(f => f.At).ToList();
        TestContext.Current.TestOutputHelper?.WriteLine(unavailable.Count == 0 ? "no 503 after the kill" :
            $"503 answers from {(unavailable.Min() - killedAt).TotalSeconds:F1} s to {(unavailable.Max() - killedAt).TotalSeconds:F1} s after the kill; " +
            $"{finished.Count} of {FleetSize} finished, {FleetSize - finished.Count} ended in error: " +
            string.Join("; ", statuses.Where(s => !finished.Contains((string)s["uuid"]!)).Select(s => (string?)s["error"]).Distinct()));
    }

    [Fact]
    public async Task Timeouts_of_nodes_whose_silo_died_fire_once_on_the_survivor()
    {
        postgres.SkipUnlessAvailable();
        await using var cluster = await PostgresCluster.StartAsync(postgres, silos: 2, new Dictionary<string, string>(Housekeeping)
        {
            ["DEFAULT"] = "clean_up_period = 1\ntimeout = 8",
        });
        var fleet = Enumerable.Range(0, 40).Select(_ => EnrolNode(cluster)).ToList();
        foreach (var node in fleet)
        {
            await (await cluster.Client.PostAsync($"/v1/introspection/{node.Uuid}?manage_boot=false", null)).AssertAcceptedAsync();
        }

        // Half of the nodes, on average, were activated on the silo that dies now.
        await cluster.KillSiloAsync(0);

        var statuses = await WaitUntilNoneRunningAsync(cluster, fleet.Select(n => n.Uuid), TimeSpan.FromSeconds(60));
        Assert.All(statuses, s => Assert.Equal(("error", "Introspection timeout"), ((string?)s["state"], (string?)s["error"])));

        // Later sweeps find nothing more to do: each timeout happened once and stays as it was.
        await Task.Delay(TimeSpan.FromSeconds(3));
        var again = await ReadStatusesAsync(cluster, fleet.Select(n => n.Uuid));
        Assert.Equal(statuses.Select(s => s.ToJsonString()), again.Select(s => s.ToJsonString()));
        AssertFailuresWereRetryable503s();
    }

    [Fact]
    public async Task After_every_process_of_the_cluster_is_killed_and_restarted_statuses_and_list_order_are_intact()
    {
        postgres.SkipUnlessAvailable();
        await using var cluster = await PostgresCluster.StartAsync(postgres, silos: 2, Housekeeping);
        var fleet = Enumerable.Range(0, 40).Select(_ => EnrolNode(cluster)).ToList();
        foreach (var node in fleet)
        {
            await (await cluster.Client.PostAsync($"/v1/introspection/{node.Uuid}?manage_boot=false", null)).AssertAcceptedAsync();
        }

        var done = fleet.Take(20).ToList();
        var waiting = fleet.Skip(20).ToList();
        foreach (var node in done)
        {
            await PostDataAsync(cluster, node, HttpStatusCode.OK);
        }

        var statusesBefore = await ReadStatusesAsync(cluster, fleet.Select(n => n.Uuid));
        var listBefore = await ReadListAsync(cluster);

        await Task.WhenAll([cluster.WebFront.KillAsync(), .. cluster.Silos.Select(s => s.KillAsync())]);
        await Task.WhenAll(cluster.Silos.Select(s => s.StartAsync()));
        await cluster.WebFront.StartAsync();

        Assert.Equal(listBefore, await ReadListAsync(cluster));
        Assert.Equal(statusesBefore.Select(s => s.ToJsonString()),
            (await ReadStatusesAsync(cluster, fleet.Select(n => n.Uuid))).Select(s => s.ToJsonString()));
        foreach (var node in waiting)
        {
            await PostDataAsync(cluster, node, HttpStatusCode.OK);
        }

        Assert.All(await ReadStatusesAsync(cluster, waiting.Select(n => n.Uuid)), s => Assert.Equal("finished", (string?)s["state"]));
        AssertFailuresWereRetryable503s();
    }

    private sealed record FleetNode(string Uuid, string Mac);

    private static FleetNode EnrolNode(PostgresCluster cluster)
    {
        var mac = InspectorHost.RandomMac();
        return new FleetNode(cluster.Ironic.AddNode(null, "manageable", new JsonObject { ["ipmi_address"] = "192.0.2.10" }, [mac]), mac);
    }

    /// <summary>
    /// Sends like a ramdisk or a patient client: 503, 409 and broken connections are retried with
    /// backoff; any other answer is returned. Every failure is kept for the final checks.
    /// </summary>
    private async Task<(HttpStatusCode Status, string Body)> SendUntilAnsweredAsync(PostgresCluster cluster, Func<HttpRequestMessage> request)
    {
        var delay = TimeSpan.FromMilliseconds(100);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(120);
        while (true)
        {
            HttpStatusCode status;
            var body = "";
            try
            {
                using var response = await cluster.Client.SendAsync(request());
                status = response.StatusCode;
                body = await response.Content.ReadAsStringAsync();
                if ((int)status >= 400)
                {
                    _failures.Add((status, body, response.Headers.RetryAfter is not null, DateTime.UtcNow));
                }
            }
            catch (HttpRequestException)
            {
                status = 0; // the web front dropped the connection: retry like the ramdisk would
            }

            if (status is not (HttpStatusCode.ServiceUnavailable or HttpStatusCode.Conflict or 0))
            {
                return (status, body);
            }

            Assert.True(DateTime.UtcNow < deadline, $"no answer but {(int)status} for two minutes");
            await Task.Delay(delay);
            delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, TimeSpan.FromSeconds(2).Ticks));
        }
    }

    private async Task PostDataAsync(PostgresCluster cluster, FleetNode node, HttpStatusCode expected)
    {
        var (status, body) = await SendUntilAnsweredAsync(cluster, () => new HttpRequestMessage(HttpMethod.Post, "/v1/continue")
        {
            Content = new StringContent(RamdiskPayloads.Ipa(node.Mac).ToJsonString()),
        });
        Assert.True(expected == status, $"expected {expected}, got {(int)status}: {body}");
    }

    /// <summary>Polls until no node is starting, waiting, processing or otherwise unfinished.</summary>
    private async Task<List<JsonObject>> WaitUntilNoneRunningAsync(PostgresCluster cluster, IEnumerable<string> nodes, TimeSpan within)
    {
        var deadline = DateTime.UtcNow + within;
        while (true)
        {
            var statuses = await ReadStatusesAsync(cluster, nodes);
            var running = statuses.Where(s => s["finished"]?.GetValue<bool>() != true).ToList();
            if (running.Count == 0)
            {
                return statuses;
            }

            Assert.True(DateTime.UtcNow < deadline,
                $"{running.Count} nodes still unfinished, e.g. {string.Join(", ", running.Take(3).Select(s => s.ToJsonString()))}");
            await Task.Delay(250);
        }
    }

    private async Task<List<JsonObject>> ReadStatusesAsync(PostgresCluster cluster, IEnumerable<string> nodes)
    {
        var statuses = new List<JsonObject>();
        foreach (var node in nodes)
        {
            var (status, body) = await SendUntilAnsweredAsync(cluster, () => new HttpRequestMessage(HttpMethod.Get, $"/v1/introspection/{node}"));
            Assert.True(status == HttpStatusCode.OK, $"status of {node}: {(int)status} {body}");
            statuses.Add(JsonNode.Parse(body)!.AsObject());
        }

        return statuses;
    }

    private async Task<string> ReadListAsync(PostgresCluster cluster)
    {
        var (status, body) = await SendUntilAnsweredAsync(cluster, () => new HttpRequestMessage(HttpMethod.Get, "/v1/introspection?limit=1000"));
        Assert.True(status == HttpStatusCode.OK, $"list: {(int)status} {body}");
        return body;
    }

    /// <summary>
    /// Whatever failed on the way was an answer a client can act on: never a 5xx other than 503,
    /// and every 503 is a JSON error with Retry-After.
    /// </summary>
    private void AssertFailuresWereRetryable503s()
    {
        Assert.All(_failures.Where(f => (int)f.Status >= 500), f =>
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, f.Status);
            Assert.True(f.RetryAfter, $"503 without Retry-After: {f.Body}");
            Assert.NotNull(JsonNode.Parse(f.Body)?["error"]?["message"]);
        });
        TestContext.Current.TestOutputHelper?.WriteLine(
            $"failed answers on the way: {string.Join(", ", _failures.GroupBy(f => (int)f.Status).Select(g => $"{g.Key} x{g.Count()}"))}");
    }
}
