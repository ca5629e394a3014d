using System.Net;
using System.Text.Json.Nodes;
using Inspector.Tests.Infrastructure;

namespace Inspector.Tests.Processing;

/// <summary>
/// An inspector started with extra INI lines, shared by the tests of a class. Every processing
/// host stores introspection data unless its lines say otherwise.
/// </summary>
public abstract class ConfiguredInspector(IDictionary<string, string> ini) : IAsyncLifetime
{
    private InspectorHost? _host;

    public InspectorHost Host => _host ?? throw new InvalidOperationException("Not started");

    /// <summary>The host's own folder (configuration, database, ramdisk logs).</summary>
    public string Directory { get; } = System.IO.Directory.CreateTempSubdirectory("inspector-proc-").FullName;

    public async ValueTask InitializeAsync() =>
        _host = await InspectorHost.StartAsync(ProcessingHostConfig.Lines(ini, Directory), directory: Directory);

    public async ValueTask DisposeAsync()
    {
        if (_host is not null)
        {
            await _host.DisposeAsync();
        }
    }
}

public static class ProcessingHostConfig
{
    /// <summary>The INI lines with <c>store_data = database</c> added and <c>{dir}</c> replaced by the host's folder.</summary>
    public static Dictionary<string, string> Lines(IDictionary<string, string> ini, string directory)
    {
        var lines = ini.ToDictionary(p => p.Key, p => p.Value.Replace("{dir}", directory, StringComparison.Ordinal));
        lines["processing"] = "store_data = database\n" + lines.GetValueOrDefault("processing", "");
        return lines;
    }

    /// <summary>Starts a host of its own for one test (dispose it with <c>await using</c>).</summary>
    public static Task<InspectorHost> StartAsync(IDictionary<string, string> ini, string? directory = null)
    {
        directory ??= Directory.CreateTempSubdirectory("inspector-proc-").FullName;
        return InspectorHost.StartAsync(Lines(ini, directory), directory: directory);
    }
}

/// <summary>What the processing specs read back from the inspector and the emulated Ironic.</summary>
public static class ProcessingProbes
{
    /// <summary>A BMC address no other test uses, so lookups by BMC never tie across tests.</summary>
    public static string RandomBmc() =>
        $"10.{Random.Shared.Next(1, 255)}.{Random.Shared.Next(1, 255)}.{Random.Shared.Next(1, 255)}";

    public static List<JsonArray> NodePatches(this InspectorHost host, string node) =>
    [
        .. host.Ironic.Calls.Where(c => c.Method == "PATCH" && c.Path == $"/v1/nodes/{node}")
            .Select(c => JsonNode.Parse(c.Body!)!.AsArray()),
    ];

    public static int PowerCalls(this InspectorHost host, string node) =>
        host.Ironic.Calls.Count(c => c.Path == $"/v1/nodes/{node}/states/power");

    public static JsonObject IronicNode(this InspectorHost host, string node) =>
        host.Ironic.FindNode(node) ?? throw new InvalidOperationException($"Ironic has no node {node}");

    public static string? Property(this InspectorHost host, string node, string name) =>
        (string?)host.IronicNode(node)["properties"]![name];

    /// <summary>The node's ports in Ironic, by MAC.</summary>
    public static Dictionary<string, JsonObject> Ports(this InspectorHost host, string node) =>
        host.Ironic.PortsOf(node).ToDictionary(p => (string)p["address"]!, p => p);

    public static async Task<JsonObject> ProcessedDataAsync(this InspectorHost host, string node) =>
        (await (await host.Client.GetAsync($"/v1/introspection/{node}/data")).AssertJsonAsync(HttpStatusCode.OK)).AsObject();

    public static async Task<string> UnprocessedTextAsync(this InspectorHost host, string node)
    {
        var response = await host.Client.GetAsync($"/v1/introspection/{node}/data/unprocessed");
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"Expected 200, got {(int)response.StatusCode}: {text}");
        return text;
    }

    /// <summary>Enrolls a node without ports whose BMC is <paramref name="bmc"/> and starts it without managed boot.</summary>
    public static async Task<string> StartedByBmcAsync(this InspectorHost host, string bmc, JsonObject? properties = null)
    {
        var node = host.Ironic.AddNode(driverInfo: new JsonObject { ["ipmi_address"] = bmc }, properties: properties);
        await (await host.StartIntrospectionAsync(node, "?manage_boot=false")).AssertAcceptedAsync();
        return node;
    }

    /// <summary>
    /// A started node that has finished processing the data <paramref name="payload"/> builds from
    /// its PXE MAC and BMC address (the default IPA data when null).
    /// </summary>
    public static async Task<(string Node, string Mac, string Bmc)> FinishedNodeAsync(
        this InspectorHost host, bool manageBoot = true, Func<string, string, JsonObject>? payload = null)
    {
        var mac = InspectorHost.RandomMac();
        var bmc = RandomBmc();
        var node = await host.StartedNodeAsync(mac, manageBoot, bmc);
        var body = payload?.Invoke(mac, bmc) ?? RamdiskPayloads.Ipa(mac, bmc);
        await (await host.PostContinueAsync(body)).AssertJsonAsync(HttpStatusCode.OK);
        await host.WaitForStateAsync(node, "finished");
        return (node, mac, bmc);
    }
}
