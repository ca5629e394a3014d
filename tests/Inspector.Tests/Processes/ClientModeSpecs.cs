using System.Diagnostics;
using System.Net;
using System.Text.Json.Nodes;
using Inspector.IronicEmulator;
using Inspector.Tests.Infrastructure;

namespace Inspector.Tests.Processes;

/// <summary>
/// The split deployment: <c>Inspector.Silo</c> in one process owns the node grains and the
/// database; the web front in another is a pure Orleans client of it (<c>[orleans] gateways</c>).
/// </summary>
[Collection(HostProcess.Collection)]
public sealed class ClientModeSpecs : IAsyncLifetime
{
    private const string ClusterId = "inspector-split";
    private const string ServiceId = "inspector-split-service";

    private IronicEmulatorServer? _ironic;
    private string _directory = "";
    private HostProcess? _silo;
    private HostProcess? _webFront;

    private EmulatedIronic Ironic => _ironic!.Ironic;

    private HostProcess Silo => _silo!;

    private HostProcess WebFront => _webFront!;

    private HttpClient Client => WebFront.Client;

    public async ValueTask InitializeAsync()
    {
        _ironic = await IronicEmulatorServer.StartAsync();
        _directory = Directory.CreateTempSubdirectory("inspector-split-").FullName;
        var siloDirectory = Directory.CreateDirectory(Path.Combine(_directory, "silo")).FullName;
        _silo = HostProcess.Configure(HostKind.Silo, _ironic.Url, siloDirectory, new Dictionary<string, string>
        {
            ["orleans"] = $"cluster_id = {ClusterId}\nservice_id = {ServiceId}",
        });
        var webFrontDirectory = Directory.CreateDirectory(Path.Combine(_directory, "webfront")).FullName;
        _webFront = HostProcess.Configure(HostKind.WebFront, _ironic.Url, webFrontDirectory, new Dictionary<string, string>
        {
            ["orleans"] = $"cluster_id = {ClusterId}\nservice_id = {ServiceId}\ngateways = 127.0.0.1:{_silo.GatewayPort}",
        });
        await _silo.StartAsync();
        await _webFront.StartAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await ProcessSpecs.CleanUpAsync(_directory, _webFront, _silo);
        if (_ironic is not null)
        {
            await _ironic.DisposeAsync();
        }
    }

    [Fact]
    public async Task A_web_front_that_is_only_an_orleans_client_starts_reads_lists_and_aborts_through_the_silo()
    {
        var node = AddNode("split-node-1");
        await (await Client.PostAsync($"/v1/introspection/{node}?manage_boot=false", null)).AssertAcceptedAsync();

        var status = await (await Client.GetAsync($"/v1/introspection/{node}")).AssertJsonAsync(HttpStatusCode.OK);
        Assert.Equal("waiting", (string?)status["state"]);
        Assert.Equal($"{WebFront.Url}/v1/introspection/{node}", (string?)status["links"]![0]!["href"]);

        var byName = await (await Client.GetAsync("/v1/introspection/split-node-1")).AssertJsonAsync(HttpStatusCode.OK);
        Assert.Equal(node, (string?)byName["uuid"]);

        var list = await (await Client.GetAsync("/v1/introspection")).AssertJsonAsync(HttpStatusCode.OK);
        Assert.Equal([node], list["introspection"]!.AsArray().Select(s => (string?)s!["uuid"]));

        await (await Client.PostAsync($"/v1/introspection/{node}/abort", null)).AssertAcceptedAsync();
        var aborted = await WaitForStateAsync(node, "error");
        Assert.Equal("Canceled by operator", (string?)aborted["error"]);
        Assert.True((bool)aborted["finished"]!);

        // The silo owns the database; the web front, configured with one too, never opened it.
        Assert.True(File.Exists(Path.Combine(Silo.Directory, "inspector.sqlite")));
        Assert.False(File.Exists(Path.Combine(WebFront.Directory, "inspector.sqlite")));
        Assert.True(Silo.IsRunning);
    }

    [Fact]
    public async Task When_the_silo_is_killed_the_web_front_answers_503_with_retry_after_instead_of_failing_or_hanging()
    {
        var node = AddNode("split-node-2");
        await (await Client.PostAsync($"/v1/introspection/{node}?manage_boot=false", null)).AssertAcceptedAsync();
        await (await Client.GetAsync($"/v1/introspection/{node}")).AssertJsonAsync(HttpStatusCode.OK);

        // A request the silo is still working on when it dies: Ironic is slow to answer its start.
        Ironic.Latency = TimeSpan.FromSeconds(5);
        var slow = AddNode(null);
        var inFlight = AssertUnavailableAsync(HttpMethod.Post, $"/v1/introspection/{slow}?manage_boot=false");
        await WaitUntilAsync(() => Ironic.Calls.Any(c => c.Path.Contains(slow, StringComparison.Ordinal)));

        await Silo.KillAsync();
        Ironic.Latency = TimeSpan.Zero;
        await inFlight;

        // Requests that arrive once it is gone.
        await AssertUnavailableAsync(HttpMethod.Get, $"/v1/introspection/{node}");
        await AssertUnavailableAsync(HttpMethod.Get, "/v1/introspection");
        await AssertUnavailableAsync(HttpMethod.Post, $"/v1/introspection/{node}/abort");
        await AssertUnavailableAsync(HttpMethod.Post, $"/v1/introspection/{AddNode(null)}?manage_boot=false");
        await AssertUnavailableAsync(HttpMethod.Get, "/v1/introspection/split-node-2");

        // The web front itself is alive, still serves what needs no silo, and stops when told to.
        await (await Client.GetAsync("/")).AssertJsonAsync(HttpStatusCode.OK);
        var stopping = Stopwatch.StartNew();
        Assert.Equal(0, await WebFront.StopAsync(TimeSpan.FromSeconds(20)));
        TestContext.Current.TestOutputHelper?.WriteLine($"The web front stopped {stopping.ElapsedMilliseconds} ms after SIGTERM");
    }

    /// <summary>The request is answered within 30 s with 503, the API's error format and Retry-After.</summary>
    private async Task AssertUnavailableAsync(HttpMethod method, string path)
    {
        var clock = Stopwatch.StartNew();
        using var request = new HttpRequestMessage(method, path);
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        HttpResponseMessage response;
        try
        {
            response = await Client.SendAsync(request, deadline.Token);
        }
        catch (OperationCanceledException)
        {
            Assert.Fail($"{method} {path} got no answer within 30 s");
            throw;
        }

        using (response)
        {
            TestContext.Current.TestOutputHelper?.WriteLine($"{method} {path}: {(int)response.StatusCode} after {clock.ElapsedMilliseconds} ms");
            var message = await response.AssertErrorAsync(HttpStatusCode.ServiceUnavailable);
            Assert.StartsWith("Service temporarily unavailable, please retry later", message);
            Assert.True(response.Headers.RetryAfter is not null, $"{method} {path}: no Retry-After header");
        }
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "Timed out waiting for the condition");
            await Task.Delay(20);
        }
    }

    private string AddNode(string? name) =>
        Ironic.AddNode(name, driverInfo: new JsonObject { ["ipmi_address"] = "192.0.2.50" }, macs: [InspectorHost.RandomMac()]);

    private async Task<JsonNode> WaitForStateAsync(string node, string state)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (true)
        {
            var status = await (await Client.GetAsync($"/v1/introspection/{node}")).AssertJsonAsync(HttpStatusCode.OK);
            if ((string?)status["state"] == state)
            {
                return status;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Node {node} is {status["state"]}, not {state}: {status.ToJsonString()}");
            }

            await Task.Delay(50);
        }
    }
}
