using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;
using Inspector.IronicEmulator;
using Inspector.Tests.Infrastructure;

namespace Inspector.Tests.Processes;

/// <summary>
/// The single-process inspector (web front with its embedded silo and SQLite database) run as its
/// own OS process, stopped and started again with the same configuration and database: what
/// clients see does not change, and introspections left waiting still time out.
/// </summary>
[Collection(HostProcess.Collection)]
public sealed class RestartSpecs : IAsyncLifetime
{
    private const int Timeout = 30;
    private const int CleanUpPeriod = 1;

    private InspectorProcess? _process;

    private EmulatedIronic Ironic => _process!.Ironic;

    private HostProcess Inspector => _process!.Host;

    public async ValueTask InitializeAsync() =>
        _process = await InspectorProcess.ConfigureAsync("restart", new Dictionary<string, string>
        {
            ["DEFAULT"] = $"timeout = {Timeout}\nclean_up_period = {CleanUpPeriod}",
        });

    public async ValueTask DisposeAsync()
    {
        if (_process is not null)
        {
            await _process.DisposeAsync();
        }
    }

    [Fact]
    public Task After_a_graceful_restart_every_status_and_the_list_are_unchanged_and_waiting_nodes_still_time_out() =>
        RestartKeepsEverythingAsync(async inspector => Assert.Equal(0, await inspector.StopAsync()));

    [Fact]
    public Task After_a_kill_9_every_status_and_the_list_are_unchanged_and_waiting_nodes_still_time_out() =>
        RestartKeepsEverythingAsync(inspector => inspector.KillAsync());

    private async Task RestartKeepsEverythingAsync(Func<HostProcess, Task> stop)
    {
        await Inspector.StartAsync();
        var waiting = new List<string>();
        for (var i = 0; i < 4; i++)
        {
            var node = AddNode(i);
            await (await Inspector.Client.PostAsync($"/v1/introspection/{node}?manage_boot=false", null)).AssertAcceptedAsync();
            waiting.Add(node);
        }

        var aborted = AddNode(9);
        await (await Inspector.Client.PostAsync($"/v1/introspection/{aborted}?manage_boot=false", null)).AssertAcceptedAsync();
        await (await Inspector.Client.PostAsync($"/v1/introspection/{aborted}/abort", null)).AssertAcceptedAsync();
        var abortedStatus = await WaitForStateAsync(aborted, "error", TimeSpan.FromSeconds(10));
        Assert.Equal("Canceled by operator", (string?)abortedStatus["error"]);

        var nodes = waiting.Append(aborted).ToList();
        var before = await SnapshotAsync(nodes);
        foreach (var node in waiting)
        {
            Assert.Equal("waiting", (string?)JsonNode.Parse(before.Statuses[node])!["state"]);
        }

        Assert.Equal([aborted, .. Enumerable.Reverse(waiting)], ListedUuids(before.List));

        var restart = Stopwatch.StartNew();
        await stop(Inspector);
        await Inspector.StartAsync();
        var after = await SnapshotAsync(nodes);
        restart.Stop();

        var restartTook = $"(stop and start took {restart.Elapsed.TotalSeconds:0.0} s of the {Timeout} s timeout)";
        TestContext.Current.TestOutputHelper?.WriteLine($"Restarted {restartTook}");
        foreach (var node in nodes)
        {
            Assert.True(before.Statuses[node] == after.Statuses[node],
                $"Status of {node} changed over the restart {restartTook}:\n{before.Statuses[node]}\n{after.Statuses[node]}");
        }

        Assert.True(before.List == after.List, $"The list changed over the restart {restartTook}:\n{before.List}\n{after.List}");

        // The housekeeping of the new process finds what the old one left waiting.
        foreach (var node in waiting)
        {
            var status = await WaitForStateAsync(node, "error", TimeSpan.FromSeconds(Timeout + 4 * CleanUpPeriod + 2));
            Assert.Equal("Introspection timeout", (string?)status["error"]);
            Assert.True((bool)status["finished"]!);
            var overdueBy = Timestamp(status["finished_at"]) - Timestamp(status["started_at"]) - TimeSpan.FromSeconds(Timeout);
            Assert.InRange(overdueBy, TimeSpan.Zero, TimeSpan.FromSeconds((2 * CleanUpPeriod) + 1));
            Assert.Equal(JsonNode.Parse(before.Statuses[node])!["started_at"]!.ToJsonString(), status["started_at"]!.ToJsonString());
        }

        var final = await SnapshotAsync(nodes);
        Assert.Equal(before.Statuses[aborted], final.Statuses[aborted]);
        Assert.Equal(ListedUuids(before.List), ListedUuids(final.List));
    }

    private string AddNode(int index) =>
        Ironic.AddNode(
            driverInfo: new JsonObject { ["ipmi_address"] = $"192.0.2.{100 + index}" },
            macs: [InspectorHost.RandomMac()]);

    private async Task<(Dictionary<string, string> Statuses, string List)> SnapshotAsync(IEnumerable<string> nodes)
    {
        var statuses = new Dictionary<string, string>();
        foreach (var node in nodes)
        {
            statuses[node] = (await (await Inspector.Client.GetAsync($"/v1/introspection/{node}")).AssertJsonAsync(HttpStatusCode.OK)).ToJsonString();
        }

        var list = await (await Inspector.Client.GetAsync("/v1/introspection")).AssertJsonAsync(HttpStatusCode.OK);
        return (statuses, list.ToJsonString());
    }

    private async Task<JsonObject> WaitForStateAsync(string node, string state, TimeSpan within)
    {
        var deadline = DateTime.UtcNow + within;
        while (true)
        {
            var status = (await (await Inspector.Client.GetAsync($"/v1/introspection/{node}")).AssertJsonAsync(HttpStatusCode.OK)).AsObject();
            if ((string?)status["state"] == state)
            {
                return status;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Node {node} is {status["state"]}, not {state}, after {within.TotalSeconds} s: {status.ToJsonString()}");
            }

            await Task.Delay(50);
        }
    }

    private static List<string?> ListedUuids(string list) =>
        [.. JsonNode.Parse(list)!["introspection"]!.AsArray().Select(s => (string?)s!["uuid"])];

    private static DateTime Timestamp(JsonNode? value) =>
        DateTime.ParseExact((string)value!, "yyyy-MM-dd'T'HH:mm:ss.ffffff", CultureInfo.InvariantCulture,
            DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal);
}
