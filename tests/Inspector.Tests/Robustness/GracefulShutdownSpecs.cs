using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Inspector.IronicEmulator;
using Inspector.Tests.Infrastructure;
using Inspector.Tests.Processes;
using Inspector.Tests.Processing;

namespace Inspector.Tests.Robustness;

/// <summary>
/// SIGTERM to the inspector while ramdisks post their data: the web front stops taking requests,
/// the requests it has finish, and only then does the silo stop. After a restart on the same
/// database every node is finished with its data stored, or still waiting for the ramdisk's
/// retry; none is left processing, none finished without data, none was processed twice.
/// </summary>
[Collection(HostProcess.Collection)]
public sealed class GracefulShutdownSpecs : IAsyncLifetime
{
    private const int Nodes = 40;

    private InspectorProcess? _process;

    private EmulatedIronic Ironic => _process!.Ironic;

    private HostProcess Inspector => _process!.Host;

    public async ValueTask InitializeAsync() =>
        _process = await InspectorProcess.ConfigureAsync("shutdown", new Dictionary<string, string>
        {
            ["processing"] = "store_data = database",
        });

    public async ValueTask DisposeAsync()
    {
        if (_process is not null)
        {
            await _process.DisposeAsync();
        }
    }

    [Fact]
    public Task Sigterm_during_processing_finishes_what_runs_and_leaves_every_other_node_waiting_for_its_retry() =>
        StopDuringProcessingAsync(async inspector => Assert.Equal(0, await inspector.StopAsync(TimeSpan.FromSeconds(60))), graceful: true);

    /// <summary>
    /// Without a graceful stop, processing is cut short: the node it ran for ends in error with
    /// the reason when the inspector starts again, rather than being processed a second time
    /// (its Ironic update may already have gone out). Nodes not yet processing still wait.
    /// </summary>
    [Fact]
    public Task Kill_9_during_processing_leaves_no_node_processing_after_the_restart() =>
        StopDuringProcessingAsync(inspector => inspector.KillAsync(), graceful: false);

    private async Task StopDuringProcessingAsync(Func<HostProcess, Task> stop, bool graceful)
    {
        await Inspector.StartAsync();
        var nodes = new List<(string Node, string Body)>();
        for (var i = 0; i < Nodes; i++)
        {
            var mac = InspectorHost.RandomMac();
            var bmc = $"192.0.2.{i + 1}";
            var node = Ironic.AddNode(driverInfo: new JsonObject { ["ipmi_address"] = bmc }, macs: [mac]);
            await (await Inspector.Client.PostAsync($"/v1/introspection/{node}?manage_boot=false", null)).AssertAcceptedAsync();
            nodes.Add((node, RamdiskPayloads.Ipa(mac, bmc).ToJsonString()));
        }

        // Every Ironic call takes a while, so that processing runs when the signal comes.
        Ironic.Latency = TimeSpan.FromMilliseconds(250);
        using var ramdisks = new HttpClient { BaseAddress = new Uri(Inspector.Url), Timeout = TimeSpan.FromSeconds(60) };
        // Ramdisks report one after the other, so that some post before the signal and some after.
        var posts = nodes.Select(async (n, i) =>
        {
            await Task.Delay(i * 60);
            return await PostAsync(ramdisks, n.Body);
        }).ToList();
        await WaitForAsync(() => Task.FromResult(Ironic.Calls.Count(c => c.Method == "PATCH") >= 3), TimeSpan.FromSeconds(30));

        await stop(Inspector);
        var outcomes = await Task.WhenAll(posts);
        Ironic.Latency = TimeSpan.Zero;

        var answered = outcomes.Count(o => o.Status == 200);
        Assert.All(outcomes, o => Assert.True(o.Status is 200 or null, $"A post in flight got {o.Status}: {o.Error}"));
        Assert.InRange(answered, graceful ? 3 : 0, Nodes);

        await Inspector.StartAsync();
        await WaitForAsync(async () => await ListedAsProcessingAsync() == 0, TimeSpan.FromSeconds(10));
        var finished = 0;
        for (var i = 0; i < Nodes; i++)
        {
            var (node, body) = nodes[i];
            var status = (await (await Inspector.Client.GetAsync($"/v1/introspection/{node}")).AssertJsonAsync(HttpStatusCode.OK)).AsObject();
            var state = (string?)status["state"];
            var patches = Ironic.Calls.Count(c => c.Method == "PATCH" && c.Path == $"/v1/nodes/{node}");
            if (outcomes[i].Status == 200)
            {
                Assert.True(state == "finished", $"Node {node} was answered 200 but is {status.ToJsonString()}");
            }

            if (state == "finished")
            {
                finished++;
                Assert.Equal(1, patches);
                Assert.NotNull((await (await Inspector.Client.GetAsync($"/v1/introspection/{node}/data")).AssertJsonAsync(HttpStatusCode.OK))["inventory"]);
                continue;
            }

            if (state == "error" && !graceful)
            {
                Assert.StartsWith("Processing was interrupted", (string?)status["error"]);
                Assert.InRange(patches, 0, 1);
                continue;
            }

            Assert.True(state == "waiting", $"Node {node} is neither finished nor waiting after the restart: {status.ToJsonString()}\n{Inspector.LogTail()}");

            // The ramdisk retries, and this time the data is processed.
            var retry = await PostAsync(Inspector.Client, body);
            Assert.True(retry.Status == 200, $"The retry for {node} got {retry.Status}: {retry.Error}");
            Assert.Equal("finished", (string?)(await (await Inspector.Client.GetAsync($"/v1/introspection/{node}")).AssertJsonAsync(HttpStatusCode.OK))["state"]);
            Assert.Equal(1, Ironic.Calls.Count(c => c.Method == "PATCH" && c.Path == $"/v1/nodes/{node}"));
        }

        TestContext.Current.TestOutputHelper?.WriteLine($"{answered} posts answered 200 before the stop; {finished} nodes finished; the rest retried after the restart");
    }

    private async Task<int> ListedAsProcessingAsync()
    {
        var list = await (await Inspector.Client.GetAsync("/v1/introspection?state=processing")).AssertJsonAsync(HttpStatusCode.OK);
        return list["introspection"]!.AsArray().Count;
    }

    /// <summary>Posts like a ramdisk; a request the stopping server never answered has no status.</summary>
    private static async Task<(int? Status, string Error)> PostAsync(HttpClient client, string body)
    {
        try
        {
            using var response = await client.PostAsync("/v1/continue", new ByteArrayContent(Encoding.UTF8.GetBytes(body)));
            return ((int)response.StatusCode, await response.Content.ReadAsStringAsync());
        }
        catch (HttpRequestException e)
        {
            return (null, e.Message);
        }
    }

    private static async Task WaitForAsync(Func<Task<bool>> condition, TimeSpan within)
    {
        var deadline = DateTime.UtcNow + within;
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Condition not met within {within.TotalSeconds} s");
            }

            await Task.Delay(20);
        }
    }
}
