using System.Collections.Concurrent;
using System.Text;
using System.Text.Json.Nodes;
using Inspector.Grains.Configuration;
using Inspector.Grains.Ironic;
using Inspector.IronicEmulator;
using Inspector.Tests.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Inspector.Tests.Unit;

/// <summary>
/// The Ironic client against an emulated Ironic on loopback. The emulator counts the calls that
/// reached Ironic; a recording handler keeps the headers the client sent with them.
/// </summary>
public sealed class IronicClientSpecs(EmulatedIronicServer emulator) : IClassFixture<EmulatedIronicServer>, IDisposable
{
    private const string VersionHeader = "X-OpenStack-Ironic-API-Version";
    private readonly RecordingHandler _sent = new();

    private IronicEmulatorServer Server => emulator.Server;

    private EmulatedIronic Ironic => Server.Ironic;

    public void Dispose()
    {
        _sent.Dispose();
        Ironic.MaxVersion = EmulatedIronicServer.DefaultMaxVersion;
    }

    [Fact]
    public async Task Speaks_1_76_to_a_newer_ironic()
    {
        Assert.Equal("1.78", Ironic.MaxVersion);
        var node = Ironic.AddNode();

        await Client().GetNodeAsync(node);

        Assert.Equal("1.76", SentTo(node).Single().Headers[VersionHeader]);
    }

    [Fact]
    public async Task Speaks_the_newest_version_of_an_older_ironic()
    {
        Ironic.MaxVersion = "1.50";
        var node = Ironic.AddNode();

        var client = Client();
        await client.GetNodeAsync(node);
        await client.GetPortsAsync(node);

        Assert.Equal(2, SentTo(node).Count);
        Assert.All(SentTo(node), c => Assert.Equal("1.50", c.Headers[VersionHeader]));
    }

    [Fact]
    public async Task Negotiates_the_version_once()
    {
        var node = Ironic.AddNode();
        var client = Client();

        await Task.WhenAll(Enumerable.Range(0, 5).Select(_ => client.GetNodeAsync(node)));
        await client.ValidateAsync(node, "power");

        Assert.Single(_sent.Requests, c => c.Method == "GET" && c.Path == "/");
        Assert.Equal(6, CallsTo(node).Count);
        Assert.All(SentTo(node), c => Assert.Equal("1.76", c.Headers[VersionHeader]));
    }

    [Fact]
    public async Task Gets_a_node_by_uuid()
    {
        var uuid = Ironic.AddNode(name: "rack1-node7", provisionState: "manageable",
            driverInfo: new JsonObject { ["ipmi_address"] = "192.0.2.7" });

        var node = await Client().GetNodeAsync(uuid);

        Assert.NotNull(node);
        Assert.Equal(uuid, node.Uuid);
        Assert.Equal("rack1-node7", node.Name);
        Assert.Equal("manageable", node.ProvisionState);
        Assert.Equal("192.0.2.7", (string?)node.DriverInfo["ipmi_address"]);
    }

    [Fact]
    public async Task Gets_a_node_by_name()
    {
        var uuid = Ironic.AddNode(name: "rack1-node8");

        var node = await Client().GetNodeAsync("rack1-node8");

        Assert.Equal(uuid, node?.Uuid);
    }

    [Fact]
    public async Task An_unknown_node_is_null()
    {
        Assert.Null(await Client().GetNodeAsync(Guid.NewGuid().ToString()));
        Assert.Null(await Client().GetNodeAsync("no-such-name"));
    }

    [Theory]
    [InlineData(409)]
    [InlineData(503)]
    public async Task Busy_answers_are_retried(int status)
    {
        var node = Ironic.AddNode();
        Ironic.FailNext($"/v1/nodes/{node}", status, 2);

        var found = await Client(maxRetries: 2).GetNodeAsync(node);

        Assert.Equal(node, found?.Uuid);
        Assert.Equal(3, CallsTo(node).Count);
    }

    [Theory]
    [InlineData(409)]
    [InlineData(503)]
    public async Task Busy_answers_past_max_retries_are_a_clear_error(int status)
    {
        var node = Ironic.AddNode();
        Ironic.FailNext($"/v1/nodes/{node}", status, 10);

        var error = await Assert.ThrowsAsync<IronicException>(() => Client(maxRetries: 3).SetPowerStateAsync(node, "rebooting"));

        Assert.Equal(status, error.StatusCode);
        Assert.Contains($"Injected failure {status}", error.Message, StringComparison.Ordinal);
        Assert.Contains($"v1/nodes/{node}/states/power", error.Message, StringComparison.Ordinal);
        Assert.Equal(4, CallsTo(node).Count);
    }

    [Fact]
    public async Task Zero_max_retries_means_one_attempt()
    {
        var node = Ironic.AddNode();
        Ironic.FailNext($"/v1/nodes/{node}", 409, 1);

        var error = await Assert.ThrowsAsync<IronicException>(() => Client(maxRetries: 0).GetNodeAsync(node));

        Assert.Equal(409, error.StatusCode);
        Assert.Single(CallsTo(node));
    }

    [Theory]
    [InlineData(400)]
    [InlineData(500)]
    public async Task Other_errors_are_not_retried(int status)
    {
        var node = Ironic.AddNode();
        Ironic.FailNext($"/v1/nodes/{node}", status, 5);

        var error = await Assert.ThrowsAsync<IronicException>(() => Client(maxRetries: 5).GetNodeAsync(node));

        Assert.Equal(status, error.StatusCode);
        Assert.Contains($"Injected failure {status}", error.Message, StringComparison.Ordinal);
        Assert.Single(CallsTo(node));
    }

    [Fact]
    public async Task An_unreachable_ironic_is_an_error_without_status()
    {
        var nobody = $"http://127.0.0.1:{FreePorts.Next()}";

        var error = await Assert.ThrowsAsync<IronicException>(() => Client(endpoint: nobody).GetNodeAsync(Guid.NewGuid().ToString()));

        Assert.Null(error.StatusCode);
        Assert.Contains("Cannot reach Ironic", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Http_basic_credentials_are_sent_when_configured()
    {
        var node = Ironic.AddNode();

        await Client(configure: o =>
        {
            o.AuthType = "http_basic";
            o.Username = "inspector";
            o.Password = "pa:ss";
        }).GetNodeAsync(node);

        var expected = "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes("inspector:pa:ss"));
        Assert.Equal(expected, SentTo(node).Single().Headers["Authorization"]);
        Assert.Equal(expected, _sent.Requests.Single(c => c.Path == "/").Headers["Authorization"]);
    }

    [Fact]
    public async Task No_credentials_are_sent_without_auth()
    {
        var node = Ironic.AddNode();

        await Client().GetNodeAsync(node);

        Assert.False(SentTo(node).Single().Headers.ContainsKey("Authorization"));
    }

    [Fact]
    public async Task Listing_nodes_follows_the_next_links_past_a_page()
    {
        // Ironic pages by 1000; other tests of this class add their nodes to the same Ironic.
        foreach (var _ in Enumerable.Range(0, 2500))
        {
            Ironic.AddNode();
        }

        var uuids = Ironic.Nodes.Select(n => (string)n["uuid"]!).ToHashSet();

        var listed = await Client().ListNodeUuidsAsync();

        Assert.True(uuids.SetEquals(listed), $"listed {listed.Count} of {uuids.Count}");
        var pages = _sent.Requests.Where(c => c.Path.StartsWith("/v1/nodes?", StringComparison.Ordinal)).ToList();
        Assert.Equal((uuids.Count + 999) / 1000, pages.Count);
        Assert.DoesNotContain("marker=", pages[0].Path, StringComparison.Ordinal);
        Assert.All(pages.Skip(1), p => Assert.Contains("marker=", p.Path, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Listing_an_empty_ironic_gives_no_nodes()
    {
        await using var empty = await IronicEmulatorServer.StartAsync();

        Assert.Empty(await Client(endpoint: empty.Url).ListNodeUuidsAsync());
    }

    [Fact]
    public async Task The_ports_of_a_node_are_its_own()
    {
        var node = Ironic.AddNode(macs: ["52:54:00:AA:BB:01", "52:54:00:aa:bb:02"]);
        Ironic.AddNode(macs: ["52:54:00:aa:bb:03"]);

        var ports = await Client().GetPortsAsync(node);

        Assert.Equal(["52:54:00:aa:bb:01", "52:54:00:aa:bb:02"], ports.Select(p => p.Address).Order(StringComparer.Ordinal));
        Assert.All(ports, p =>
        {
            Assert.Equal(node, p.NodeUuid);
            Assert.True(p.PxeEnabled);
            Assert.NotEmpty(p.Uuid);
        });
    }

    [Fact]
    public async Task A_node_without_ports_has_none()
    {
        var node = Ironic.AddNode();

        Assert.Empty(await Client().GetPortsAsync(node));
    }

    [Fact]
    public async Task Writes_reach_ironic_as_json()
    {
        var node = Ironic.AddNode();
        var client = Client();

        await client.SetBootDeviceAsync(node, "pxe", persistent: false);
        await client.SetPowerStateAsync(node, "rebooting");

        var boot = CallsTo(node).Single(c => c.Path.EndsWith("/management/boot_device", StringComparison.Ordinal));
        Assert.Equal("PUT", boot.Method);
        Assert.Equal("""{"boot_device":"pxe","persistent":false}""", boot.Body);
        var sent = SentTo(node).Single(c => c.Path.EndsWith("/management/boot_device", StringComparison.Ordinal));
        Assert.StartsWith("application/json", sent.Headers["Content-Type"], StringComparison.Ordinal);
        Assert.Equal("power on", (string?)Ironic.FindNode(node)!["power_state"]);
    }

    /// <summary>The calls about this node that reached Ironic.</summary>
    private List<IronicCall> CallsTo(string node) =>
        [.. Ironic.Calls.Where(c => c.Path.StartsWith($"/v1/nodes/{node}", StringComparison.Ordinal))];

    /// <summary>The requests about this node (itself, its ports) as the client sent them.</summary>
    private List<SentRequest> SentTo(string node) =>
        [.. _sent.Requests.Where(c => c.Path.Contains(node, StringComparison.Ordinal))];

    private IronicClient Client(int maxRetries = 2, string? endpoint = null, Action<IronicOptions>? configure = null)
    {
        var options = new IronicOptions
        {
            EndpointOverride = endpoint ?? Server.Url,
            MaxRetries = maxRetries,
            RetryInterval = 0.01,
            Timeout = 10,
        };
        configure?.Invoke(options);
        return new IronicClient(new HttpClient(_sent, disposeHandler: false), Options.Create(options), NullLogger<IronicClient>.Instance);
    }

    private sealed record SentRequest(string Method, string Path, IReadOnlyDictionary<string, string> Headers);

    /// <summary>Keeps each request's headers (the client's default headers included) as it goes out.</summary>
    private sealed class RecordingHandler() : DelegatingHandler(new SocketsHttpHandler())
    {
        private readonly ConcurrentQueue<SentRequest> _requests = new();

        public IEnumerable<SentRequest> Requests => _requests;

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var headers = request.Headers.Concat(request.Content?.Headers ?? Enumerable.Empty<KeyValuePair<string, IEnumerable<string>>>())
                .ToDictionary(h => h.Key, h => string.Join(", ", h.Value), StringComparer.OrdinalIgnoreCase);
            _requests.Enqueue(new SentRequest(request.Method.Method, request.RequestUri!.PathAndQuery, headers));
            return base.SendAsync(request, cancellationToken);
        }
    }
}

/// <summary>One emulated Ironic for the tests of a class; each test works on nodes of its own.</summary>
public sealed class EmulatedIronicServer : IAsyncLifetime
{
    public const string DefaultMaxVersion = "1.78";

    private IronicEmulatorServer? _server;

    public IronicEmulatorServer Server => _server ?? throw new InvalidOperationException("Not started");

    public async ValueTask InitializeAsync()
    {
        _server = await IronicEmulatorServer.StartAsync();
        _server.Ironic.MaxVersion = DefaultMaxVersion;
    }

    public async ValueTask DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }
}
