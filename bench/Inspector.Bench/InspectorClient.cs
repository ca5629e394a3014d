using System.Diagnostics;
using System.Net;
using System.Text.Json.Nodes;

namespace Inspector.Bench;

/// <summary>The calls the bench makes to an ironic-inspector-compatible API (v1).</summary>
public sealed class InspectorClient : IDisposable
{
    private readonly HttpClient _http;

    public InspectorClient(Uri url, int connections)
    {
        _http = new HttpClient(new SocketsHttpHandler
        {
            MaxConnectionsPerServer = connections,
            UseProxy = false,
            PooledConnectionIdleTimeout = TimeSpan.FromMinutes(2),
        })
        { BaseAddress = url, Timeout = TimeSpan.FromMinutes(5) };
    }

    /// <summary>POST /v1/introspection/UUID; the status (0: no connection) and the latency.</summary>
    public async Task<(int Status, TimeSpan Latency, string? Error)> StartAsync(string uuid, bool manageBoot)
    {
        var path = manageBoot ? $"/v1/introspection/{uuid}" : $"/v1/introspection/{uuid}?manage_boot=false";
        var started = Stopwatch.GetTimestamp();
        try
        {
            using var response = await _http.PostAsync(path, null);
            var status = (int)response.StatusCode;
            var error = status == 202 ? null : await response.Content.ReadAsStringAsync();
            return (status, Stopwatch.GetElapsedTime(started), error);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            return (0, Stopwatch.GetElapsedTime(started), e.Message);
        }
    }

    /// <summary>GET a path, reading the whole body; the latency, or an exception unless 200.</summary>
    public async Task<(TimeSpan Latency, int Bytes)> GetAsync(string path)
    {
        var started = Stopwatch.GetTimestamp();
        using var response = await _http.GetAsync(path);
        var body = await response.Content.ReadAsByteArrayAsync();
        var latency = Stopwatch.GetElapsedTime(started);
        if (response.StatusCode != HttpStatusCode.OK)
        {
            throw new InvalidOperationException($"GET {path}: {(int)response.StatusCode} {System.Text.Encoding.UTF8.GetString(body)}");
        }

        return (latency, body.Length);
    }

    /// <summary>Every introspection status, page by page (GET /v1/introspection?limit=1000&amp;marker=...).</summary>
    public async Task<Dictionary<string, JsonObject>> ListAllAsync()
    {
        var all = new Dictionary<string, JsonObject>(StringComparer.OrdinalIgnoreCase);
        string? marker = null;
        while (true)
        {
            var path = marker is null ? "/v1/introspection?limit=1000" : $"/v1/introspection?limit=1000&marker={marker}";
            using var response = await _http.GetAsync(path);
            response.EnsureSuccessStatusCode();
            var page = (JsonNode.Parse(await response.Content.ReadAsStringAsync())!["introspection"] as JsonArray) ?? [];
            foreach (var status in page.OfType<JsonObject>())
            {
                all[(string)status["uuid"]!] = status;
            }

            if (page.Count < 1000)
            {
                return all;
            }

            marker = (string?)page[^1]!["uuid"];
        }
    }

    public void Dispose() => _http.Dispose();
}
