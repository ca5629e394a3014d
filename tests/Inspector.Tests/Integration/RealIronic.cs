using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Inspector.Tests.Infrastructure;

using static Inspector.Tests.Integration.IronicServerScript;

namespace Inspector.Tests.Integration;

/// <summary>The tests that share one real Ironic (and the inspector it calls).</summary>
[CollectionDefinition("real-ironic")]
public sealed class RealIronicCollection : ICollectionFixture<RealIronic>;

/// <summary>
/// A REAL OpenStack Ironic (Debian's <c>/usr/bin/ironic</c>: API and conductor in one process,
/// noauth, sqlite, fake-hardware) started on a free loopback port with
/// <c>tests/ironic/ironic-server.sh</c>, plus one inspector listening on the port Ironic's
/// <c>[inspector] endpoint_override</c> names, so Ironic can drive it.
/// Without Ironic installed the tests are skipped, unless <c>CI=true</c>: then they fail.
/// </summary>
public sealed class RealIronic : IAsyncLifetime
{
    public const string IronicBinary = "/usr/bin/ironic";

    /// <summary>The Ironic API version every helper request is sent with.</summary>
    public const string ApiVersion = "1.78";

    private static int _bmcCounter;

    private string? _skipReason;
    private string? _directory;
    private HttpClient? _client;
    private InspectorHost? _inspector;

    /// <summary>Ironic's API, e.g. <c>http://127.0.0.1:41234</c>.</summary>
    public string Url { get; private set; } = "";

    /// <summary>The URL Ironic calls the inspector at (<c>[inspector] endpoint_override</c>).</summary>
    public string InspectorUrl { get; private set; } = "";

    /// <summary>A client of Ironic's API that sends <see cref="ApiVersion"/>.</summary>
    public HttpClient Client => Started(_client);

    /// <summary>The inspector at <see cref="InspectorUrl"/>, in front of this Ironic.</summary>
    public InspectorHost Inspector => Started(_inspector);

    public async ValueTask InitializeAsync()
    {
        if (!File.Exists(IronicBinary))
        {
            _skipReason = $"{IronicBinary} is not installed (apt-get install ironic-api ironic-conductor)";
            if (Environment.GetEnvironmentVariable("CI") == "true")
            {
                throw new InvalidOperationException(
                    $"CI=true but {_skipReason}: the real-Ironic integration tests cannot run.");
            }

            return;
        }

        _directory = Path.Combine(Path.GetTempPath(), $"real-ironic-{Guid.NewGuid():N}");
        var port = FreePorts.Next();
        var inspectorPort = FreePorts.Next();
        Url = $"http://127.0.0.1:{port}";
        InspectorUrl = $"http://127.0.0.1:{inspectorPort}";

        _client = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { BaseAddress = new Uri(Url) };
        _client.DefaultRequestHeaders.Add("X-OpenStack-Ironic-API-Version", ApiVersion);

        // Both take seconds and neither needs the other until a test runs: start them together.
        var ironicStarted = RunScriptAsync("start", _directory, port.ToString(CultureInfo.InvariantCulture), InspectorUrl);
        var inspectorStarted = StartInspectorAsync(listenPort: inspectorPort);
        try
        {
            await Task.WhenAll(ironicStarted, inspectorStarted);
            _inspector = inspectorStarted.Result;
        }
        catch
        {
            if (inspectorStarted.IsCompletedSuccessfully)
            {
                _inspector = inspectorStarted.Result;
            }

            await DisposeAsync();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_inspector is not null)
        {
            await _inspector.DisposeAsync();
        }

        _client?.Dispose();
        if (_directory is not null)
        {
            try
            {
                await RunScriptAsync("stop", _directory);
            }
            finally
            {
                try
                {
                    Directory.Delete(_directory, recursive: true);
                }
                catch (IOException)
                {
                    // A leftover temp directory is not worth failing the run for.
                }
            }
        }
    }

    /// <summary>
    /// Starts another inspector whose <c>[ironic] endpoint_override</c> is this Ironic.
    /// <paramref name="ini"/> adds or overrides INI lines as in <see cref="InspectorHost.StartAsync"/>;
    /// <paramref name="listenPort"/> 0 picks a free port. (InspectorHost also starts an emulated
    /// Ironic, which stays idle.)
    /// </summary>
    public Task<InspectorHost> StartInspectorAsync(IDictionary<string, string>? ini = null, int listenPort = 0)
    {
        Started(_client);
        var merged = new Dictionary<string, string>
        {
            ["DEFAULT"] = $"listen_port = {listenPort}",
            // A real conductor holds node locks for a while: retry 409s like a deployment would.
            ["ironic"] = $"endpoint_override = {Url}\nmax_retries = 20\nretry_interval = 0.5",
        };
        foreach (var (section, lines) in ini ?? new Dictionary<string, string>())
        {
            merged[section] = merged.TryGetValue(section, out var ours) ? $"{ours}\n{lines}" : lines;
        }

        return InspectorHost.StartAsync(merged);
    }

    /// <summary>
    /// Creates a fake-hardware node (a unique BMC address unless <paramref name="bmc"/> is false)
    /// with ports for <paramref name="macs"/> (one random MAC when null) and moves it to
    /// <c>manageable</c>. Returns its UUID.
    /// </summary>
    public async Task<string> EnrollAsync(
        string? name = null, bool bmc = true, IReadOnlyList<string>? macs = null, string? inspectInterface = null)
    {
        var uuid = (string)(await CreateNodeAsync(name, bmc ? NextBmcAddress() : null, inspectInterface))["uuid"]!;
        foreach (var mac in macs ?? [InspectorHost.RandomMac()])
        {
            await CreatePortAsync(uuid, mac);
        }

        await SetProvisionStateAsync(uuid, "manage");
        await WaitForNodeAsync(uuid, "provision_state", "manageable");
        return uuid;
    }

    /// <summary><c>POST /v1/nodes</c> with the fake-hardware driver; returns the created node.</summary>
    public async Task<JsonObject> CreateNodeAsync(string? name = null, string? bmcAddress = null, string? inspectInterface = null)
    {
        var body = new JsonObject { ["driver"] = "fake-hardware", ["driver_info"] = new JsonObject() };
        if (name is not null)
        {
            body["name"] = name;
        }

        if (bmcAddress is not null)
        {
            body["driver_info"]!["ipmi_address"] = bmcAddress;
        }

        if (inspectInterface is not null)
        {
            body["inspect_interface"] = inspectInterface;
        }

        return await ReadAsync(await Client.PostAsync("/v1/nodes", Json(body)), HttpStatusCode.Created);
    }

    /// <summary><c>POST /v1/ports</c> for the node; returns the created port.</summary>
    public async Task<JsonObject> CreatePortAsync(string nodeUuid, string mac) =>
        await ReadAsync(
            await Client.PostAsync("/v1/ports", Json(new JsonObject { ["node_uuid"] = nodeUuid, ["address"] = mac })),
            HttpStatusCode.Created);

    /// <summary><c>PUT /v1/nodes/{id}/states/provision</c> (<c>manage</c>, <c>provide</c>, <c>inspect</c>, <c>abort</c>…); expects 202.</summary>
    public async Task SetProvisionStateAsync(string nodeId, string target)
    {
        using var response = await Client.PutAsync($"/v1/nodes/{nodeId}/states/provision", Json(new JsonObject { ["target"] = target }));
        await ExpectAsync(response, HttpStatusCode.Accepted);
    }

    public async Task<JsonObject> GetNodeAsync(string nodeId) =>
        await ReadAsync(await Client.GetAsync($"/v1/nodes/{nodeId}"), HttpStatusCode.OK);

    /// <summary><c>GET /v1/nodes/{id}/management/boot_device</c>.</summary>
    public async Task<JsonObject> GetBootDeviceAsync(string nodeId) =>
        await ReadAsync(await Client.GetAsync($"/v1/nodes/{nodeId}/management/boot_device"), HttpStatusCode.OK);

    /// <summary>Polls the node until <paramref name="field"/> reads <paramref name="value"/>; fails after the deadline.</summary>
    public async Task<JsonObject> WaitForNodeAsync(string nodeId, string field, string? value, TimeSpan? within = null)
    {
        var deadline = DateTime.UtcNow + (within ?? TimeSpan.FromSeconds(15));
        while (true)
        {
            var node = await GetNodeAsync(nodeId);
            if ((string?)node[field] == value)
            {
                return node;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException(
                    $"Ironic node {nodeId}: {field} is '{node[field]}', not '{value}' " +
                    $"(provision_state '{node["provision_state"]}', last_error '{node["last_error"]}')");
            }

            await Task.Delay(50);
        }
    }

    /// <summary>A fresh TEST-NET-1 address, so no two nodes share a BMC lookup attribute.</summary>
    public static string NextBmcAddress()
    {
        var n = Interlocked.Increment(ref _bmcCounter);
        return $"192.0.2.{n % 250 + 1}";
    }

    public static string UniqueName(string prefix) => $"{prefix}-{Guid.NewGuid().ToString("N")[..8]}";

    /// <summary>
    /// A JSON body with a Content-Length: Ironic's eventlet WSGI server does not read chunked
    /// bodies (what <c>PostAsJsonAsync</c> sends), it sees an empty document.
    /// </summary>
    public static StringContent Json(JsonNode body) =>
        new(body.ToJsonString(), System.Text.Encoding.UTF8, "application/json");

    private T Started<T>(T? value)
        where T : class
    {
        if (_skipReason is not null)
        {
            Assert.Skip(_skipReason);
        }

        return value ?? throw new InvalidOperationException("The real Ironic is not running");
    }

}
