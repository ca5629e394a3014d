using System.Text.Json.Nodes;
using Inspector.IronicEmulator;

namespace Inspector.Tests.Unit;

/// <summary>
/// The Ironic emulator answers the discovery, listing and filtering calls a client of real Ironic
/// makes (the reference's openstacksdk among them) the way Ironic does.
/// </summary>
public sealed class IronicEmulatorSpecs : IAsyncLifetime
{
    private IronicEmulatorServer? _server;
    private readonly HttpClient _http = new();

    private IronicEmulatorServer Server => _server ?? throw new InvalidOperationException("Not started");

    public async ValueTask InitializeAsync() => _server = await IronicEmulatorServer.StartAsync();

    public async ValueTask DisposeAsync()
    {
        _http.Dispose();
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }

    [Fact]
    public async Task Root_lists_the_v1_version_for_keystoneauth_discovery()
    {
        var root = await Get("/");

        var v1 = Assert.Single(root["versions"]!.AsArray())!;
        Assert.Equal("v1", (string?)v1["id"]);
        Assert.Equal("1.78", (string?)v1["version"]);
        Assert.Equal("1.1", (string?)v1["min_version"]);
        Assert.Equal($"{Server.Url}/v1/", (string?)v1["links"]![0]!["href"]);
    }

    [Fact]
    public async Task V1_root_names_its_version_in_body_and_headers()
    {
        using var response = await _http.GetAsync($"{Server.Url}/v1/", TestContext.Current.CancellationToken);

        response.EnsureSuccessStatusCode();
        Assert.Equal("1.1", response.Headers.GetValues("X-OpenStack-Ironic-API-Minimum-Version").Single());
        Assert.Equal("1.78", response.Headers.GetValues("X-OpenStack-Ironic-API-Maximum-Version").Single());
        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken))!;
        Assert.Equal("1.78", (string?)body["version"]!["version"]);
    }

    [Fact]
    public async Task Ports_list_filters_by_address()
    {
        var node = Server.Ironic.AddNode(macs: ["52:54:00:00:00:01"]);
        Server.Ironic.AddNode(macs: ["52:54:00:00:00:02"]);

        var ports = (await Get("/v1/ports?address=52:54:00:00:00:01&fields=uuid,node_uuid"))["ports"]!.AsArray();

        var port = Assert.Single(ports)!;
        Assert.Equal(node, (string?)port["node_uuid"]);
        Assert.Equal(["uuid", "node_uuid"], port.AsObject().Select(p => p.Key));
    }

    [Fact]
    public async Task Nodes_list_returns_the_requested_fields()
    {
        var bmc = new JsonObject { ["ipmi_address"] = "10.0.0.9" };
        var node = Server.Ironic.AddNode(driverInfo: bmc);

        var listed = (await Get("/v1/nodes?fields=uuid,driver_info"))["nodes"]!.AsArray().Single(n => (string?)n!["uuid"] == node)!;

        Assert.Equal(["uuid", "driver_info"], listed.AsObject().Select(p => p.Key));
        Assert.Equal("10.0.0.9", (string?)listed["driver_info"]!["ipmi_address"]);
    }

    [Fact]
    public async Task Nodes_list_refuses_unknown_fields()
    {
        using var response = await _http.GetAsync($"{Server.Url}/v1/nodes?fields=uuid,colour", TestContext.Current.CancellationToken);

        Assert.Equal(400, (int)response.StatusCode);
    }

    [Fact]
    public async Task Node_pages_follow_creation_order_and_keep_the_fields()
    {
        var created = Enumerable.Range(0, 5).Select(_ => Server.Ironic.AddNode()).ToList();
        Server.Ironic.RemoveNode(created[1]);

        var listed = new List<string>();
        string? next = "/v1/nodes?fields=uuid,power_state&limit=2";
        while (next is not null)
        {
            var page = await Get(next);
            foreach (var n in page["nodes"]!.AsArray())
            {
                Assert.Equal(["uuid", "power_state"], n!.AsObject().Select(p => p.Key));
                listed.Add((string)n["uuid"]!);
            }

            next = (string?)page["next"] is { } link ? new Uri(link).PathAndQuery : null;
        }

        Assert.Equal([created[0], created[2], created[3], created[4]], listed.Where(created.Contains));
    }

    private async Task<JsonNode> Get(string path)
    {
        using var response = await _http.GetAsync($"{Server.Url}{path}", TestContext.Current.CancellationToken);
        var text = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.True(response.IsSuccessStatusCode, $"{path}: {(int)response.StatusCode} {text}");
        return JsonNode.Parse(text)!;
    }
}
