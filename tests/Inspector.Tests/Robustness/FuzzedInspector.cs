using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Inspector.Tests.Infrastructure;
using Inspector.Tests.Processing;

namespace Inspector.Tests.Robustness;

/// <summary>
/// An inspector under fuzzing: it stores data, has a finished node the fuzzer may read but not
/// change (<see cref="KnownNode"/>), a finished node it may do anything to
/// (<see cref="SacrificialNode"/>) and a rule. Its client sends whatever header bytes it is given.
/// </summary>
public sealed class FuzzedInspector : IAsyncLifetime
{
    private InspectorHost? _host;

    public InspectorHost Host => _host ?? throw new InvalidOperationException("Not started");

    /// <summary>Sends UTF-8 header values as they are, follows no redirects, never decompresses.</summary>
    public HttpClient Client { get; private set; } = null!;

    public string KnownNode { get; private set; } = "";

    public string SacrificialNode { get; private set; } = "";

    public string KnownRule { get; private set; } = "";

    /// <summary>The known node's status, processed and unprocessed data as first read.</summary>
    public (string Status, string Data, string Unprocessed) KnownSnapshot { get; private set; }

    public async ValueTask InitializeAsync()
    {
        _host = await ProcessingHostConfig.StartAsync(new Dictionary<string, string>
        {
            ["processing"] = "max_request_body_size = 1048576",
        });
        Client = new HttpClient(new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            RequestHeaderEncodingSelector = (_, _) => Encoding.UTF8,
        })
        {
            BaseAddress = new Uri(Host.Url),
            Timeout = TimeSpan.FromSeconds(30),
        };

        (KnownNode, _, _) = await Host.FinishedNodeAsync(manageBoot: false);
        (SacrificialNode, _, _) = await Host.FinishedNodeAsync(manageBoot: false);
        var rule = await (await Host.Client.PostAsync("/v1/rules", new StringContent(
            """{"description": "kept", "conditions": [], "actions": [{"action": "set-attribute", "path": "/extra/fuzzed", "value": "yes"}]}""")))
            .AssertJsonAsync(HttpStatusCode.Created);
        KnownRule = (string)rule["uuid"]!;
        KnownSnapshot = await SnapshotAsync();
    }

    public async Task<(string Status, string Data, string Unprocessed)> SnapshotAsync() =>
    (
        (await (await Host.Client.GetAsync($"/v1/introspection/{KnownNode}")).AssertJsonAsync(HttpStatusCode.OK)).ToJsonString(),
        (await (await Host.Client.GetAsync($"/v1/introspection/{KnownNode}/data")).AssertJsonAsync(HttpStatusCode.OK)).ToJsonString(),
        (await (await Host.Client.GetAsync($"/v1/introspection/{KnownNode}/data/unprocessed")).AssertJsonAsync(HttpStatusCode.OK)).ToJsonString()
    );

    /// <summary>The sacrificial node once it has settled: never left in a state only a running operation may hold.</summary>
    public async Task<JsonObject> SettledSacrificialStatusAsync()
    {
        string[] settled = ["waiting", "finished", "error"];
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (true)
        {
            var status = await Host.StatusAsync(SacrificialNode);
            if (settled.Contains((string?)status["state"]) || DateTime.UtcNow > deadline)
            {
                return status;
            }

            await Task.Delay(50);
        }
    }

    public async ValueTask DisposeAsync()
    {
        Client?.Dispose();
        if (_host is not null)
        {
            await _host.DisposeAsync();
        }
    }
}
