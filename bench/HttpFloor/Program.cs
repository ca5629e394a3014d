// The HTTP floor of the fleet scenario: what any inspector must spend per node on this machine.
// It makes the same exchanges per node as ours (POST /v1/introspection/UUID; GET node, GET
// validate, GET ports, PUT boot device, PUT power "rebooting"; POST /v1/continue; GET node, GET
// ports, PATCH node, PUT power "power off"), keeps the MAC → node map in memory and does nothing
// else: no storage, no state machine, no hooks, no Orleans, no checks. It is a measuring
// instrument for docs/benchmarks.md ("The HTTP floor"), never a service:
//
//   dotnet run -c Release --project bench/HttpFloor -- http://127.0.0.1:6399 5099 &
//   dotnet bench/Inspector.Bench/bin/Release/net10.0/Inspector.Bench.dll --url http://127.0.0.1:5099 \
//       --pid "$(pgrep -f Inspector.Bench.HttpFloor)" --emulator-port 6399 --nodes 20000 --scenarios fleet --concurrency 256
using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using System.Text.Json;

if (args.Length != 2 || !int.TryParse(args[1], CultureInfo.InvariantCulture, out var port))
{
    Console.Error.WriteLine("usage: Inspector.Bench.HttpFloor IRONIC_URL PORT");
    return 2;
}

var builder = WebApplication.CreateSlimBuilder();
builder.Logging.ClearProviders();
builder.WebHost.ConfigureKestrel(kestrel => kestrel.ListenLocalhost(port));
var app = builder.Build();
using var ironic = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 256 })
{
    BaseAddress = new Uri(args[0].TrimEnd('/') + "/"),
};
var nodeByMac = new ConcurrentDictionary<string, string>(StringComparer.OrdinalIgnoreCase);
var finished = new ConcurrentDictionary<string, bool>(StringComparer.Ordinal);

async Task<JsonDocument> Ironic(HttpMethod method, string path, string? body = null)
{
    using var request = new HttpRequestMessage(method, path);
    request.Headers.TryAddWithoutValidation("X-OpenStack-Ironic-API-Version", "1.76");
    if (body is not null)
    {
        request.Content = new StringContent(body, Encoding.UTF8, "application/json");
    }

    using var response = await ironic.SendAsync(request);
    var bytes = await response.Content.ReadAsByteArrayAsync();
    response.EnsureSuccessStatusCode();
    return JsonDocument.Parse(bytes.Length == 0 ? "{}"u8.ToArray() : bytes);
}

app.MapPost("/v1/introspection/{uuid}", async (string uuid) =>
{
    (await Ironic(HttpMethod.Get, $"v1/nodes/{uuid}")).Dispose();
    (await Ironic(HttpMethod.Get, $"v1/nodes/{uuid}/validate")).Dispose();
    using (var ports = await Ironic(HttpMethod.Get, $"v1/ports/detail?node={uuid}&limit=1000"))
    {
        foreach (var p in ports.RootElement.GetProperty("ports").EnumerateArray())
        {
            nodeByMac[p.GetProperty("address").GetString()!] = uuid;
        }
    }

    _ = Task.Run(async () =>
    {
        (await Ironic(HttpMethod.Put, $"v1/nodes/{uuid}/management/boot_device", """{"boot_device": "pxe", "persistent": false}""")).Dispose();
        (await Ironic(HttpMethod.Put, $"v1/nodes/{uuid}/states/power", """{"target": "rebooting"}""")).Dispose();
    });
    return Results.Accepted();
});

app.MapPost("/v1/continue", async (HttpRequest request) =>
{
    using var data = await JsonDocument.ParseAsync(request.Body);
    var inventory = data.RootElement.GetProperty("inventory");
    string? uuid = null;
    foreach (var nic in inventory.GetProperty("interfaces").EnumerateArray())
    {
        if (nic.TryGetProperty("mac_address", out var mac) && nodeByMac.TryGetValue(mac.GetString() ?? "", out uuid))
        {
            break;
        }
    }

    if (uuid is null)
    {
        return Results.NotFound();
    }

    (await Ironic(HttpMethod.Get, $"v1/nodes/{uuid}")).Dispose();
    (await Ironic(HttpMethod.Get, $"v1/ports/detail?node={uuid}&limit=1000")).Dispose();
    var cpus = inventory.GetProperty("cpu").GetProperty("count").GetInt32();
    (await Ironic(HttpMethod.Patch, $"v1/nodes/{uuid}", $$"""[{"op": "add", "path": "/properties/cpus", "value": "{{cpus}}"}]""")).Dispose();
    (await Ironic(HttpMethod.Put, $"v1/nodes/{uuid}/states/power", """{"target": "power off"}""")).Dispose();
    finished[uuid] = true;
    return Results.Json(new { uuid });
});

// The bench's closing check lists every status, a page of 1000 after a marker at a time.
app.MapGet("/v1/introspection", (string? marker, int? limit) =>
{
    var all = finished.Keys.Order(StringComparer.Ordinal).ToList();
    var from = marker is null ? 0 : all.BinarySearch(marker, StringComparer.Ordinal) + 1;
    var page = all.Skip(from).Take(limit ?? 1000).Select(uuid => new { uuid, finished = true, error = (string?)null });
    return Results.Json(new { introspection = page });
});

await app.RunAsync();
return 0;
