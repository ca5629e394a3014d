using System.Diagnostics;
using System.Net;
using System.Text.Json.Nodes;
using Inspector.Tests.Infrastructure;
using Inspector.Tests.Processing;

namespace Inspector.Tests.Robustness;

/// <summary>
/// Load on one node and on many: a node's data posted a hundred times at once is processed once,
/// a thousand introspections started at once are all accepted and all reach waiting, and nodes
/// whose processing waits for Ironic do not hold up the ramdisks of other nodes.
/// </summary>
public sealed class ConcurrencySpecs(ProcessingInspector shared) : IClassFixture<ProcessingInspector>
{
    private InspectorHost Host => shared.Host;

    [Fact]
    public async Task A_hundred_concurrent_posts_of_one_nodes_data_process_it_exactly_once()
    {
        var mac = InspectorHost.RandomMac();
        var bmc = ProcessingProbes.RandomBmc();
        var node = await Host.StartedNodeAsync(mac, bmc: bmc);
        var body = RamdiskPayloads.Ipa(mac, bmc).ToJsonString();

        using var start = new ManualResetEventSlim();
        var posts = Enumerable.Range(0, 100).Select(_ => Task.Run(async () =>
        {
            start.Wait(TestContext.Current.CancellationToken);
            return await Host.PostContinueAsync(body);
        })).ToList();
        start.Set();
        var responses = await Task.WhenAll(posts);

        var ok = responses.Where(r => r.StatusCode == HttpStatusCode.OK).ToList();
        var winner = Assert.Single(ok);
        Assert.Equal(node, (string?)(await winner.AssertJsonAsync(HttpStatusCode.OK))["uuid"]);
        foreach (var refused in responses.Except(ok))
        {
            var message = await refused.AssertErrorAsync(HttpStatusCode.Forbidden);
            Assert.Contains("not on introspection", message);
        }

        Assert.Single(Host.NodePatches(node));
        Assert.Equal(2, Host.PowerCalls(node)); // the reboot into the ramdisk, then one power off
        Assert.Equal("finished", (string?)(await Host.StatusAsync(node))["state"]);
        Assert.NotNull((await Host.ProcessedDataAsync(node))["inventory"]);
    }

    [Fact]
    public async Task A_thousand_concurrent_starts_of_distinct_nodes_are_all_accepted_and_all_reach_waiting()
    {
        const int count = 1000;
        var nodes = Enumerable.Range(0, count).Select(_ => Host.AddNode(bmc: ProcessingProbes.RandomBmc())).ToList();

        var clock = Stopwatch.StartNew();
        var responses = await Task.WhenAll(nodes.Select(node => Task.Run(() => Host.StartIntrospectionAsync(node))));
        var accepted = clock.Elapsed;
        var statuses = responses.Select(r => (int)r.StatusCode).GroupBy(s => s).ToDictionary(g => g.Key, g => g.Count());
        Assert.True(statuses.Keys.SequenceEqual([202]), $"Not all starts were accepted: {string.Join(", ", statuses.Select(s => $"{s.Value} x {s.Key}"))}");

        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(90);
        List<string> notWaiting;
        do
        {
            var list = await (await Host.Client.GetAsync("/v1/introspection?state=waiting&limit=1000")).AssertJsonAsync(HttpStatusCode.OK);
            var waiting = list["introspection"]!.AsArray().Select(s => (string)s!["uuid"]!).ToHashSet();
            notWaiting = [.. nodes.Where(n => !waiting.Contains(n))];
            if (notWaiting.Count > 0)
            {
                await Task.Delay(200);
            }
        }
        while (notWaiting.Count > 0 && DateTime.UtcNow < deadline);

        var stragglers = new List<JsonObject>();
        foreach (var node in notWaiting.Take(5))
        {
            stragglers.Add(await Host.StatusAsync(node));
        }

        Assert.True(notWaiting.Count == 0,
            $"{notWaiting.Count} of {count} nodes did not reach waiting, e.g. {string.Join("; ", stragglers.Select(s => s.ToJsonString()))}");
        TestContext.Current.TestOutputHelper?.WriteLine(
            $"{count} starts accepted in {accepted.TotalSeconds:0.0} s, all waiting after {clock.Elapsed.TotalSeconds:0.0} s");
        foreach (var node in nodes)
        {
            Assert.Single(Host.Ironic.Calls, c => c.Path == $"/v1/nodes/{node}/states/power");
        }
    }

    [Fact]
    public async Task A_ramdisk_is_answered_while_more_nodes_than_cores_wait_for_ironic_in_their_processing()
    {
        // Each held node's processing waits on its GET from Ironic. More of them than the callback
        // grain has activations per silo (one per core) once blocked every other ramdisk.
        var held = new List<(string Node, Task<HttpResponseMessage> Post)>();
        var release = new TaskCompletionSource();
        for (var i = 0; i < Environment.ProcessorCount + 2; i++)
        {
            var mac = InspectorHost.RandomMac();
            var bmc = ProcessingProbes.RandomBmc();
            var node = await Host.StartedNodeAsync(mac, manageBoot: false, bmc: bmc);
            Host.Ironic.Hold($"/v1/nodes/{node}", release.Task);
            held.Add((node, Host.PostContinueAsync(RamdiskPayloads.Ipa(mac, bmc).ToJsonString())));
        }

        try
        {
            foreach (var (node, _) in held)
            {
                await Host.WaitForStateAsync(node, "processing", TimeSpan.FromSeconds(30));
            }

            var freeMac = InspectorHost.RandomMac();
            var freeBmc = ProcessingProbes.RandomBmc();
            var free = await Host.StartedNodeAsync(freeMac, manageBoot: false, bmc: freeBmc);
            var answer = Host.PostContinueAsync(RamdiskPayloads.Ipa(freeMac, freeBmc).ToJsonString());
            var first = await Task.WhenAny(answer, Task.Delay(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken));

            Assert.Same(answer, first);
            Assert.Equal(free, (string?)(await (await answer).AssertJsonAsync(HttpStatusCode.OK))["uuid"]);
            Assert.All(held, h => Assert.False(h.Post.IsCompleted, $"node {h.Node} was answered while Ironic held it"));
        }
        finally
        {
            release.SetResult();
        }

        foreach (var (node, post) in held)
        {
            Assert.Equal(node, (string?)(await (await post).AssertJsonAsync(HttpStatusCode.OK))["uuid"]);
        }
    }
}
