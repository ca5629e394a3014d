using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Inspector.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

using static Inspector.Tests.Integration.IronicServerScript;

namespace Inspector.Tests.Integration;

/// <summary>
/// Processing end to end with a REAL Ironic: Ironic's <c>inspector</c> inspect interface drives
/// this service, a test ramdisk posts its inventory, and Ironic ends with the node's new
/// properties, ports and stored inventory. Every call this service makes to Ironic goes through
/// a recording proxy, so the tests can count them.
/// </summary>
[Collection("real-ironic-processing")]
public sealed class RealIronicProcessingSpecs(RealIronicWithProcessing ironic)
{
    private InspectorHost Inspector => ironic.Inspector;

    [Fact]
    public async Task Ironic_inspects_a_node_through_this_service_and_ends_manageable_with_its_properties_and_inventory()
    {
        var mac = InspectorHost.RandomMac();
        var bmc = RealIronicWithProcessing.NextBmcAddress();
        var uuid = await ironic.EnrollAsync(bmc, (mac, true));
        await ironic.InspectAsync(uuid);
        var payload = RamdiskPayloads.Ipa(mac, bmc);

        var body = await (await Inspector.PostContinueAsync(payload)).AssertJsonAsync(HttpStatusCode.OK);

        Assert.Equal($$"""{"uuid":"{{uuid}}"}""", body.ToJsonString());
        Assert.Equal("finished", (string?)(await Inspector.StatusAsync(uuid))["state"]);
        // Ironic sees "finished" at its next poll (every 2 s), moves the node on and reads our data.
        var node = await ironic.WaitForNodeAsync(uuid, "provision_state", "manageable");
        Assert.Null((string?)node["last_error"]);
        Assert.NotNull((string?)node["inspection_finished_at"]);
        var properties = node["properties"]!;
        Assert.Equal("4", (string?)properties["cpus"]);
        Assert.Equal("x86_64", (string?)properties["cpu_arch"]);
        Assert.Equal("8192", (string?)properties["memory_mb"]);
        Assert.Equal("99", (string?)properties["local_gb"]);
        Assert.Equal("cpu_vt:true,cpu_aes:true,cpu_hugepages:true,cpu_hugepages_1g:true", (string?)properties["capabilities"]);
        // Our power off at the end of processing (we managed boot); Ironic runs power actions in the background.
        await ironic.WaitForNodeAsync(uuid, "power_state", "power off");

        var stored = await ironic.WaitForInventoryAsync(uuid);
        Assert.True(
            JsonNode.DeepEquals(payload["inventory"], stored["inventory"]),
            $"Ironic stored the inventory {stored["inventory"]?.ToJsonString()}, not the one the ramdisk sent");
        var pluginData = stored["plugin_data"]!;
        Assert.Equal(4, (int)pluginData["cpus"]!);
        Assert.Equal(99, (int)pluginData["local_gb"]!);
        Assert.Equal("/dev/sda", (string?)pluginData["root_disk"]!["name"]);
        Assert.Equal(["eth0", "eth1", "eth2", "lo"], pluginData["all_interfaces"]!.AsObject().Select(i => i.Key));
    }

    [Fact]
    public async Task With_add_ports_all_ironic_gets_a_port_for_every_nic_the_ramdisk_reports()
    {
        var pxeMac = InspectorHost.RandomMac();
        var withAddress = InspectorHost.RandomMac();
        var withoutAddress = InspectorHost.RandomMac();
        var bmc = RealIronicWithProcessing.NextBmcAddress();
        var uuid = await ironic.EnrollAsync(bmc, (pxeMac, true));
        var pxePort = (string)Assert.Single(await ironic.GetPortsAsync(uuid))["uuid"]!;
        await ironic.InspectAsync(uuid);
        var mark = ironic.Proxy.Mark();

        await (await Inspector.PostContinueAsync(RamdiskPayloads.Ipa(pxeMac, bmc, withAddress, withoutAddress)))
            .AssertJsonAsync(HttpStatusCode.OK);

        await ironic.WaitForNodeAsync(uuid, "provision_state", "manageable");
        var calls = ironic.Proxy.CallsSince(mark);
        TestContext.Current.TestOutputHelper?.WriteLine(
            $"Ironic calls for one processed node with two new ports ({calls.Count}):\n{string.Join("\n", calls)}");
        Assert.Equal(2, calls.Count(c => c.Request == "POST /v1/ports" && c.Status == (int)HttpStatusCode.Created));
        var ports = (await ironic.GetPortsAsync(uuid)).ToDictionary(p => (string)p["address"]!);
        Assert.Equal(new[] { pxeMac, withAddress, withoutAddress }.Order(), ports.Keys.Order());
        Assert.Equal(pxePort, (string?)ports[pxeMac]["uuid"]);
        Assert.True((bool)ports[pxeMac]["pxe_enabled"]!);
        Assert.False((bool)ports[withAddress]["pxe_enabled"]!);
        Assert.False((bool)ports[withoutAddress]["pxe_enabled"]!);
        Assert.Equal("{}", ports[withAddress]["extra"]!.ToJsonString());
        // The loopback NIC never becomes a port.
        Assert.DoesNotContain("00:00:00:00:00:00", ports.Keys);
    }

    [Fact]
    public async Task Processing_a_node_costs_four_ironic_calls_node_ports_one_patch_and_power_off()
    {
        var pxeMac = InspectorHost.RandomMac();
        var withAddress = InspectorHost.RandomMac();
        var withoutAddress = InspectorHost.RandomMac();
        var bmc = RealIronicWithProcessing.NextBmcAddress();
        // Ports for every NIC already, pxe_enabled right: nothing to create or fix.
        var uuid = await ironic.EnrollAsync(bmc, (pxeMac, true), (withAddress, false), (withoutAddress, false));
        await ironic.InspectAsync(uuid);
        var mark = ironic.Proxy.Mark();

        await (await Inspector.PostContinueAsync(RamdiskPayloads.Ipa(pxeMac, bmc, withAddress, withoutAddress)))
            .AssertJsonAsync(HttpStatusCode.OK);
        await ironic.WaitForNodeAsync(uuid, "provision_state", "manageable");

        var calls = ironic.Proxy.CallsSince(mark);
        TestContext.Current.TestOutputHelper?.WriteLine(
            $"Ironic calls for one processed node ({calls.Count}):\n{string.Join("\n", calls)}");
        // A 409 from a conductor that briefly held the node lock is retried; the retry is not a new call.
        var made = calls.Where(c => c.Status != (int)HttpStatusCode.Conflict && c.Target != "/").ToList();
        Assert.Collection(
            made,
            c => Assert.Equal($"GET /v1/nodes/{uuid}", c.Request),
            c => Assert.Matches($"^GET /v1/(ports.*[?&]node={uuid}|nodes/{uuid}/ports)", c.Request),
            c => Assert.Equal($"PATCH /v1/nodes/{uuid}", c.Request),
            c => Assert.Equal($"PUT /v1/nodes/{uuid}/states/power", c.Request));
        Assert.All(made, c => Assert.True(c.Status is >= 200 and < 300, $"{c}"));
        var node = await ironic.GetNodeAsync(uuid);
        Assert.Equal("8192", (string?)node["properties"]!["memory_mb"]);
        Assert.Equal(3, (await ironic.GetPortsAsync(uuid)).Count);
    }

    [Fact]
    public async Task Data_after_ironic_aborted_the_inspection_is_403_and_the_ironic_node_is_left_as_it_was()
    {
        var mac = InspectorHost.RandomMac();
        var bmc = RealIronicWithProcessing.NextBmcAddress();
        var uuid = await ironic.EnrollAsync(bmc, (mac, true));
        await ironic.InspectAsync(uuid);

        await ironic.SetProvisionStateAsync(uuid, "abort");

        var status = await Inspector.WaitForStateAsync(uuid, "error");
        Assert.Equal("Canceled by operator", (string?)status["error"]);
        await ironic.WaitForNodeAsync(uuid, "provision_state", "inspect failed");
        await ironic.WaitForNodeAsync(uuid, "power_state", "power off");
        // Ironic saves the node again when it clears the power target and releases its lock.
        var before = await ironic.WaitForNodeAsync(uuid, "reservation", null);
        Assert.Null((string?)before["target_power_state"]);
        var portsBefore = await ironic.GetPortsAsync(uuid);
        var mark = ironic.Proxy.Mark();

        var message = await (await Inspector.PostContinueAsync(RamdiskPayloads.Ipa(mac, bmc)))
            .AssertErrorAsync(HttpStatusCode.Forbidden);

        Assert.Contains(uuid, message);
        Assert.Contains("not on introspection", message);
        Assert.Equal("error", (string?)(await Inspector.StatusAsync(uuid))["state"]);
        Assert.All(ironic.Proxy.CallsSince(mark), c => Assert.Equal("GET", c.Method));
        var after = await ironic.GetNodeAsync(uuid);
        Assert.Equal("{}", after["properties"]!.ToJsonString());
        foreach (var field in new[] { "provision_state", "power_state", "last_error", "updated_at" })
        {
            Assert.Equal((string?)before[field], (string?)after[field]);
        }

        Assert.Equal(before["driver_info"]!.ToJsonString(), after["driver_info"]!.ToJsonString());
        Assert.Equal(before["extra"]!.ToJsonString(), after["extra"]!.ToJsonString());

        Assert.Equal(
            portsBefore.Select(p => p.ToJsonString()),
            (await ironic.GetPortsAsync(uuid)).Select(p => p.ToJsonString()));
        await ironic.ExpectNoInventoryAsync(uuid);
    }
}

[CollectionDefinition("real-ironic-processing")]
public sealed class RealIronicProcessingCollection : ICollectionFixture<RealIronicWithProcessing>;

/// <summary>
/// A second real Ironic (see <see cref="RealIronic"/>) whose <c>[inspector] endpoint_override</c>
/// is an inspector that stores data (<c>[processing] store_data = database</c>, Ironic reads the
/// inventory from it) and adds ports for every NIC (<c>add_ports = all</c>). That inspector
/// reaches Ironic through a <see cref="RecordingProxy"/>.
/// </summary>
public sealed class RealIronicWithProcessing : IAsyncLifetime
{
    /// <summary>Ironic 1.81 added <c>GET /v1/nodes/{id}/inventory</c>.</summary>
    private const string InventoryApiVersion = "1.81";

    private static int _bmcCounter;

    private string? _skipReason;
    private string? _directory;
    private HttpClient? _client;
    private InspectorHost? _inspector;
    private RecordingProxy? _proxy;

    public string Url { get; private set; } = "";

    public InspectorHost Inspector => Started(_inspector);

    /// <summary>Every request the inspector sent to Ironic.</summary>
    public RecordingProxy Proxy => Started(_proxy);

    private HttpClient Client => Started(_client);

    public async ValueTask InitializeAsync()
    {
        if (!File.Exists(RealIronic.IronicBinary))
        {
            _skipReason = $"{RealIronic.IronicBinary} is not installed (apt-get install ironic-api ironic-conductor)";
            if (Environment.GetEnvironmentVariable("CI") == "true")
            {
                throw new InvalidOperationException($"CI=true but {_skipReason}: the real-Ironic integration tests cannot run.");
            }

            return;
        }

        _directory = Path.Combine(Path.GetTempPath(), $"real-ironic-processing-{Guid.NewGuid():N}");
        var port = FreePorts.Next();
        var inspectorPort = FreePorts.Next();
        Url = $"http://127.0.0.1:{port}";
        _client = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { BaseAddress = new Uri(Url) };
        _client.DefaultRequestHeaders.Add("X-OpenStack-Ironic-API-Version", RealIronic.ApiVersion);
        try
        {
            _proxy = await RecordingProxy.StartAsync(Url);
            var ironicStarted = RunScriptAsync("start", _directory, port.ToString(CultureInfo.InvariantCulture), $"http://127.0.0.1:{inspectorPort}");
            var inspectorStarted = InspectorHost.StartAsync(new Dictionary<string, string>
            {
                ["DEFAULT"] = $"listen_port = {inspectorPort}",
                // A real conductor holds node locks for a while: retry 409s like a deployment would.
                ["ironic"] = $"endpoint_override = {_proxy.Url}\nmax_retries = 20\nretry_interval = 0.5",
                ["processing"] = "store_data = database\nadd_ports = all",
            });
            try
            {
                await Task.WhenAll(ironicStarted, inspectorStarted);
            }
            finally
            {
                if (inspectorStarted.IsCompletedSuccessfully)
                {
                    _inspector = inspectorStarted.Result;
                }
            }
        }
        catch
        {
            await DisposeAsync();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_inspector is not null)
        {
            await _inspector.DisposeAsync();
            _inspector = null;
        }

        if (_proxy is not null)
        {
            await _proxy.DisposeAsync();
            _proxy = null;
        }

        _client?.Dispose();
        if (_directory is not null)
        {
            var directory = _directory;
            _directory = null;
            try
            {
                await RunScriptAsync("stop", directory);
            }
            finally
            {
                try
                {
                    Directory.Delete(directory, recursive: true);
                }
                catch (IOException)
                {
                    // A leftover temp directory is not worth failing the run for.
                }
            }
        }
    }

    /// <summary>A TEST-NET-2 address per node, so no two nodes share a BMC lookup attribute.</summary>
    public static string NextBmcAddress() => $"198.51.100.{Interlocked.Increment(ref _bmcCounter) % 250 + 1}";

    /// <summary>
    /// A fake-hardware node inspected by the <c>inspector</c> interface, with a port per MAC
    /// (and its <c>pxe_enabled</c>), moved to <c>manageable</c>. Returns its UUID.
    /// </summary>
    public async Task<string> EnrollAsync(string bmc, params (string Mac, bool Pxe)[] ports)
    {
        var node = new JsonObject
        {
            ["driver"] = "fake-hardware",
            ["driver_info"] = new JsonObject { ["ipmi_address"] = bmc },
            ["inspect_interface"] = "inspector",
        };
        var uuid = (string)(await ReadAsync(await Client.PostAsync("/v1/nodes", RealIronic.Json(node)), HttpStatusCode.Created))["uuid"]!;
        foreach (var (mac, pxe) in ports)
        {
            var port = new JsonObject { ["node_uuid"] = uuid, ["address"] = mac, ["pxe_enabled"] = pxe };
            await ReadAsync(await Client.PostAsync("/v1/ports", RealIronic.Json(port)), HttpStatusCode.Created);
        }

        await SetProvisionStateAsync(uuid, "manage");
        await WaitForNodeAsync(uuid, "provision_state", "manageable");
        return uuid;
    }

    /// <summary>
    /// Provision action <c>inspect</c>; returns once Ironic waits for us (<c>inspect wait</c>),
    /// our status is <c>waiting</c> and our reboot has powered the node on, as before a ramdisk boots.
    /// </summary>
    public async Task InspectAsync(string uuid)
    {
        await SetProvisionStateAsync(uuid, "inspect");
        await WaitForStatusAsync(uuid, "waiting");
        await WaitForNodeAsync(uuid, "provision_state", "inspect wait");
        await WaitForNodeAsync(uuid, "power_state", "power on");
    }

    public async Task SetProvisionStateAsync(string uuid, string target)
    {
        using var response = await Client.PutAsync($"/v1/nodes/{uuid}/states/provision", RealIronic.Json(new JsonObject { ["target"] = target }));
        await ExpectAsync(response, HttpStatusCode.Accepted);
    }

    public async Task<JsonObject> GetNodeAsync(string uuid) =>
        await ReadAsync(await Client.GetAsync($"/v1/nodes/{uuid}"), HttpStatusCode.OK);

    /// <summary>The node's ports, full, in creation order.</summary>
    public async Task<List<JsonObject>> GetPortsAsync(string uuid)
    {
        var body = await ReadAsync(await Client.GetAsync($"/v1/ports/detail?node={uuid}"), HttpStatusCode.OK);
        return [.. body["ports"]!.AsArray().OfType<JsonObject>()];
    }

    /// <summary>
    /// <c>GET /v1/nodes/{id}/inventory</c> once Ironic has stored it: Ironic fetches our data just
    /// after it moved the node to <c>manageable</c>.
    /// </summary>
    public async Task<JsonObject> WaitForInventoryAsync(string uuid)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (true)
        {
            using var response = await SendInventoryRequestAsync(uuid);
            if (response.StatusCode == HttpStatusCode.OK)
            {
                return (await response.Content.ReadFromJsonAsync<JsonObject>())!;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException(
                    $"Ironic stored no inventory for node {uuid}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
            }

            await Task.Delay(100);
        }
    }

    public async Task ExpectNoInventoryAsync(string uuid)
    {
        using var response = await SendInventoryRequestAsync(uuid);
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    /// <summary>Polls the node until <paramref name="field"/> reads <paramref name="value"/>; fails after the deadline.</summary>
    public async Task<JsonObject> WaitForNodeAsync(string uuid, string field, string? value)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(15);
        while (true)
        {
            var node = await GetNodeAsync(uuid);
            if ((string?)node[field] == value)
            {
                return node;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException(
                    $"Ironic node {uuid}: {field} is '{node[field]}', not '{value}' " +
                    $"(provision_state '{node["provision_state"]}', last_error '{node["last_error"]}')");
            }

            await Task.Delay(50);
        }
    }

    /// <summary>Our status of the node, which Ironic starts in the background, so it may not exist yet.</summary>
    private async Task WaitForStatusAsync(string uuid, string state)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        var last = "not in the inspector yet";
        while (DateTime.UtcNow < deadline)
        {
            using var response = await Inspector.Client.GetAsync($"/v1/introspection/{uuid}");
            if (response.StatusCode == HttpStatusCode.OK)
            {
                var status = await response.ReadObjectAsync();
                if ((string?)status["state"] == state)
                {
                    return;
                }

                last = status.ToJsonString();
            }

            await Task.Delay(50);
        }

        var node = await GetNodeAsync(uuid);
        throw new TimeoutException(
            $"Node {uuid} did not reach {state}: {last}; Ironic says provision_state " +
            $"'{node["provision_state"]}', last_error '{node["last_error"]}'");
    }

    private Task<HttpResponseMessage> SendInventoryRequestAsync(string uuid)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, $"/v1/nodes/{uuid}/inventory");
        request.Headers.Add("X-OpenStack-Ironic-API-Version", InventoryApiVersion);
        return Client.SendAsync(request);
    }

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

/// <summary>
/// A loopback HTTP reverse proxy that forwards everything to one upstream and records each
/// request (method, path and query, status), so a test sees the calls a service makes to it.
/// Bodies are buffered and forwarded with a Content-Length: Ironic's WSGI server does not read
/// chunked bodies.
/// </summary>
public sealed class RecordingProxy : IAsyncDisposable
{
    private static readonly HashSet<string> HopByHop = new(StringComparer.OrdinalIgnoreCase)
    {
        "Connection", "Keep-Alive", "Transfer-Encoding", "Upgrade", "Proxy-Connection", "TE", "Trailer", "Host", "Content-Length",
    };

    private readonly List<RecordedCall> _calls = [];
    private readonly HttpClient _upstream;
    private readonly string _upstreamUrl;
    private WebApplication? _app;

    private RecordingProxy(string upstreamUrl)
    {
        _upstreamUrl = upstreamUrl.TrimEnd('/');
        _upstream = new HttpClient(new SocketsHttpHandler { UseProxy = false, AllowAutoRedirect = false })
        {
            Timeout = TimeSpan.FromSeconds(60),
        };
    }

    public string Url { get; private set; } = "";

    public static async Task<RecordingProxy> StartAsync(string upstreamUrl)
    {
        var proxy = new RecordingProxy(upstreamUrl);
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        app.Run(proxy.ForwardAsync);
        await app.StartAsync();
        proxy._app = app;
        proxy.Url = app.Urls.First().TrimEnd('/');
        return proxy;
    }

    /// <summary>A position in the record, for <see cref="CallsSince"/>.</summary>
    public int Mark()
    {
        lock (_calls)
        {
            return _calls.Count;
        }
    }

    /// <summary>The calls answered after <paramref name="mark"/>, in the order they were answered.</summary>
    public IReadOnlyList<RecordedCall> CallsSince(int mark)
    {
        lock (_calls)
        {
            return [.. _calls.Skip(mark)];
        }
    }

    private async Task ForwardAsync(HttpContext context)
    {
        var incoming = context.Request;
        var target = $"{incoming.Path}{incoming.QueryString}";
        using var request = new HttpRequestMessage(new HttpMethod(incoming.Method), _upstreamUrl + target);
        using var body = new MemoryStream();
        await incoming.Body.CopyToAsync(body, context.RequestAborted);
        if (body.Length > 0 || incoming.ContentLength is not null)
        {
            request.Content = new ByteArrayContent(body.ToArray());
        }

        foreach (var (name, values) in incoming.Headers)
        {
            if (!HopByHop.Contains(name) && !request.Headers.TryAddWithoutValidation(name, (IEnumerable<string?>)values))
            {
                request.Content?.Headers.TryAddWithoutValidation(name, (IEnumerable<string?>)values);
            }
        }

        using var response = await _upstream.SendAsync(request, context.RequestAborted);
        var content = await response.Content.ReadAsByteArrayAsync(context.RequestAborted);
        lock (_calls)
        {
            _calls.Add(new RecordedCall(incoming.Method, target, (int)response.StatusCode));
        }

        context.Response.StatusCode = (int)response.StatusCode;
        foreach (var (name, values) in response.Headers.Concat(response.Content.Headers))
        {
            if (!HopByHop.Contains(name))
            {
                context.Response.Headers[name] = values.ToArray();
            }
        }

        // 204 (boot device, traits) and 202 from Ironic have no body; Kestrel refuses one on a 204.
        if (content.Length > 0)
        {
            context.Response.ContentLength = content.Length;
            await context.Response.Body.WriteAsync(content, context.RequestAborted);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }

        _upstream.Dispose();
    }
}

/// <summary>One request through a <see cref="RecordingProxy"/>: <c>GET /v1/nodes/…</c> and Ironic's status code.</summary>
public sealed record RecordedCall(string Method, string Target, int Status)
{
    public string Request => $"{Method} {Target}";

    public override string ToString() => $"{Request} -> {Status}";
}
