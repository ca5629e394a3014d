using System.Text;
using System.Text.Json.Nodes;

namespace Inspector.Tests.Infrastructure;

/// <summary>An inspector that stores introspection data, shared by the tests of a class.</summary>
public sealed class ProcessingInspector : IAsyncLifetime
{
    private InspectorHost? _host;

    public InspectorHost Host => _host ?? throw new InvalidOperationException("Not started");

    public async ValueTask InitializeAsync() =>
        _host = await InspectorHost.StartAsync(new Dictionary<string, string> { ["processing"] = "store_data = database" });

    public async ValueTask DisposeAsync()
    {
        if (_host is not null)
        {
            await _host.DisposeAsync();
        }
    }
}

public static class ContinueRequests
{
    /// <summary>Posts like a ramdisk before IPA 9.9: no Content-Type, no authentication.</summary>
    public static Task<HttpResponseMessage> PostContinueAsync(this InspectorHost host, JsonNode body) =>
        host.PostContinueAsync(body.ToJsonString());

    public static Task<HttpResponseMessage> PostContinueAsync(this InspectorHost host, string body)
    {
        var content = new ByteArrayContent(Encoding.UTF8.GetBytes(body));
        return host.Client.PostAsync("/v1/continue", content);
    }

    /// <summary>Enrolls a node with a port for <paramref name="mac"/> and starts its introspection.</summary>
    public static async Task<string> StartedNodeAsync(this InspectorHost host, string mac, bool manageBoot = true, string? bmc = "192.0.2.10")
    {
        var node = host.AddNode(mac: mac, bmc: bmc);
        var response = await host.StartIntrospectionAsync(node, manageBoot ? null : "?manage_boot=false");
        response.EnsureSuccessStatusCode();
        await host.WaitForStateAsync(node, "waiting");
        return node;
    }
}
