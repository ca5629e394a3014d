using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Inspector.Grains.Configuration;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Inspector.Grains.Ironic;

/// <summary>
/// A typed client of Ironic's REST API: the calls an inspector makes, with API version
/// negotiation and the retries of <c>[ironic] max_retries</c> / <c>retry_interval</c> on 409 and 503.
/// </summary>
public sealed class IronicClient
{
    /// <summary>The newest API version this client speaks; the reference uses the same.</summary>
    public static readonly Version WantedVersion = new(1, 76);

    private const string VersionHeader = "X-OpenStack-Ironic-API-Version";
    private const string UserAgent = "inspector/1.0";
    private readonly HttpClient _http;
    private readonly string? _authorization;
    private readonly IronicOptions _options;
    private readonly ILogger<IronicClient> _logger;
    private readonly SemaphoreSlim _negotiation = new(1, 1);
    private string? _version;

    public IronicClient(HttpClient http, IOptions<IronicOptions> options, ILogger<IronicClient> logger)
    {
        _http = http;
        _options = options.Value;
        _logger = logger;
        _http.BaseAddress = new Uri(_options.EndpointOverride.TrimEnd('/') + "/");
        _http.Timeout = TimeSpan.FromSeconds(_options.Timeout);
        if (_options.AuthType == "http_basic")
        {
            var token = Convert.ToBase64String(Encoding.UTF8.GetBytes($"{_options.Username}:{_options.Password}"));
            _authorization = $"Basic {token}";
        }

        // Not DefaultRequestHeaders: HttpClient copies those into every request under a lock
        // (HttpHeaders.CloneHeaderInfo), which thousands of concurrent calls contend on.
    }

    /// <summary>The node with this UUID or name, or null when Ironic does not know it.</summary>
    public async Task<IronicNode?> GetNodeAsync(string nodeId, CancellationToken ct = default)
    {
        var body = await SendAsync(HttpMethod.Get, $"v1/nodes/{Uri.EscapeDataString(nodeId)}", null, ct, notFoundIsNull: true);
        return body is JsonObject node ? new IronicNode(node) : null;
    }

    /// <summary>The validation result of one driver interface (e.g. <c>power</c>).</summary>
    public async Task<InterfaceValidation> ValidateAsync(string nodeUuid, string interfaceName, CancellationToken ct = default)
    {
        var body = await SendAsync(HttpMethod.Get, $"v1/nodes/{nodeUuid}/validate", null, ct);
        var entry = body?[interfaceName];
        var result = entry?["result"]?.GetValueKind() == JsonValueKind.True;
        return new InterfaceValidation(result, entry?["reason"]?.ToString());
    }

    /// <summary>
    /// The node's ports. One page only: Ironic's <c>next</c> link for this query drops the node
    /// filter, and no node has anywhere near a page (1000) of ports.
    /// </summary>
    public async Task<IReadOnlyList<IronicPort>> GetPortsAsync(string nodeUuid, CancellationToken ct = default)
    {
        var body = await SendAsync(HttpMethod.Get, $"v1/ports/detail?node={nodeUuid}&limit=1000", null, ct);
        return [.. (body?["ports"] as JsonArray ?? []).OfType<JsonObject>().Select(ToPort)];
    }

    /// <summary>The ports with this MAC address (at most one in a healthy Ironic).</summary>
    public async Task<IReadOnlyList<IronicPort>> GetPortsByAddressAsync(string address, CancellationToken ct = default)
    {
        var body = await SendAsync(HttpMethod.Get, $"v1/ports/detail?address={Uri.EscapeDataString(address)}", null, ct);
        return [.. (body?["ports"] as JsonArray ?? []).OfType<JsonObject>().Select(ToPort)];
    }

    /// <summary>Enrolls a new node; returns it as Ironic created it.</summary>
    public async Task<IronicNode> CreateNodeAsync(JsonObject node, CancellationToken ct = default)
    {
        var body = await SendAsync(HttpMethod.Post, "v1/nodes", node, ct);
        return new IronicNode(body as JsonObject ?? []);
    }

    public Task SetBootDeviceAsync(string nodeUuid, string device, bool persistent, CancellationToken ct = default) =>
        SendAsync(HttpMethod.Put, $"v1/nodes/{nodeUuid}/management/boot_device",
            new JsonObject { ["boot_device"] = device, ["persistent"] = persistent }, ct);

    /// <summary>Requests a power state (<c>rebooting</c>, <c>power off</c>, <c>power on</c>).</summary>
    public Task SetPowerStateAsync(string nodeUuid, string target, CancellationToken ct = default) =>
        SendAsync(HttpMethod.Put, $"v1/nodes/{nodeUuid}/states/power", new JsonObject { ["target"] = target }, ct);

    /// <summary>Applies a JSON patch to the node and returns the node as Ironic stored it.</summary>
    public async Task<IronicNode> PatchNodeAsync(string nodeUuid, JsonArray patch, bool resetInterfaces = false, CancellationToken ct = default)
    {
        var path = resetInterfaces ? $"v1/nodes/{nodeUuid}?reset_interfaces=True" : $"v1/nodes/{nodeUuid}";
        var body = await SendAsync(HttpMethod.Patch, path, patch, ct);
        return new IronicNode(body as JsonObject ?? []);
    }

    /// <summary>Creates a port; <paramref name="port"/> holds address, pxe_enabled, extra and the optional fields.</summary>
    public async Task<IronicPort> CreatePortAsync(string nodeUuid, JsonObject port, CancellationToken ct = default)
    {
        port["node_uuid"] = nodeUuid;
        // A 409 here is a MAC another port already has: permanent, so not retried (nor by the reference).
        var body = await SendAsync(HttpMethod.Post, "v1/ports", port, ct, retryConflict: false);
        return ToPort(body as JsonObject ?? []);
    }

    public Task PatchPortAsync(string portUuid, JsonArray patch, CancellationToken ct = default) =>
        SendAsync(HttpMethod.Patch, $"v1/ports/{portUuid}", patch, ct);

    public Task DeletePortAsync(string portUuid, CancellationToken ct = default) =>
        SendAsync(HttpMethod.Delete, $"v1/ports/{portUuid}", null, ct);

    public Task AddTraitAsync(string nodeUuid, string trait, CancellationToken ct = default) =>
        SendAsync(HttpMethod.Put, $"v1/nodes/{nodeUuid}/traits/{Uri.EscapeDataString(trait)}", null, ct);

    /// <summary>Removes a trait; a trait the node does not have is not an error.</summary>
    public Task RemoveTraitAsync(string nodeUuid, string trait, CancellationToken ct = default) =>
        SendAsync(HttpMethod.Delete, $"v1/nodes/{nodeUuid}/traits/{Uri.EscapeDataString(trait)}", null, ct, notFoundIsNull: true);

    /// <summary>
    /// Every port Ironic knows: its MAC and its InfiniBand <c>client-id</c> (from <c>extra</c>),
    /// following Ironic's pagination.
    /// </summary>
    public async Task<Dictionary<string, string?>> ListPortAddressesAsync(CancellationToken ct = default)
    {
        var ports = new Dictionary<string, string?>(StringComparer.Ordinal);
        string? next = "v1/ports?fields=address,extra&limit=1000";
        while (next is not null)
        {
            var body = await SendAsync(HttpMethod.Get, next, null, ct);
            foreach (var port in body?["ports"] as JsonArray ?? [])
            {
                if ((string?)port?["address"] is { } address)
                {
                    ports[address.ToLowerInvariant()] = port?["extra"]?["client-id"]?.ToString();
                }
            }

            next = NextPage(body);
        }

        return ports;
    }

    /// <summary>The UUIDs of every node Ironic knows, following Ironic's pagination.</summary>
    public async Task<HashSet<string>> ListNodeUuidsAsync(CancellationToken ct = default)
    {
        var uuids = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        string? next = "v1/nodes?fields=uuid&limit=1000";
        while (next is not null)
        {
            var body = await SendAsync(HttpMethod.Get, next, null, ct);
            foreach (var node in body?["nodes"] as JsonArray ?? [])
            {
                if ((string?)node?["uuid"] is { } uuid)
                {
                    uuids.Add(uuid);
                }
            }

            next = NextPage(body);
        }

        return uuids;
    }

    private static IronicPort ToPort(JsonObject p) => new(
        (string?)p["uuid"] ?? "",
        ((string?)p["address"] ?? "").ToLowerInvariant(),
        (string?)p["node_uuid"],
        p["pxe_enabled"]?.GetValueKind() != JsonValueKind.False,
        p["extra"] as JsonObject ?? [],
        p["local_link_connection"] as JsonObject ?? [],
        (string?)p["physical_network"]);

    /// <summary>Ironic's <c>next</c> link is absolute; keep only its path and query.</summary>
    private static string? NextPage(JsonNode? body)
    {
        var next = (string?)body?["next"];
        if (string.IsNullOrEmpty(next))
        {
            return null;
        }

        var uri = new Uri(next, UriKind.RelativeOrAbsolute);
        var relative = uri.IsAbsoluteUri ? uri.PathAndQuery : next;
        return relative.TrimStart('/');
    }

    private async Task<JsonNode?> SendAsync(
        HttpMethod method, string path, JsonNode? body, CancellationToken ct, bool notFoundIsNull = false, bool retryConflict = true)
    {
        var version = await NegotiatedVersionAsync(ct);
        var payload = body is null ? null : JsonSerializer.SerializeToUtf8Bytes(body);
        for (var attempt = 0; ; attempt++)
        {
            using var request = NewRequest(method, path);
            request.Headers.TryAddWithoutValidation(VersionHeader, version);
            if (payload is not null)
            {
                // Ironic takes JSON patches as application/json too.
                request.Content = new ByteArrayContent(payload);
                request.Content.Headers.TryAddWithoutValidation("Content-Type", "application/json; charset=utf-8");
            }

            HttpResponseMessage response;
            try
            {
                response = await _http.SendAsync(request, ct);
            }
            catch (HttpRequestException) when (attempt == 0 && !ct.IsCancellationRequested)
            {
                // A pooled connection that a proxy or load balancer closed fails once; a new one works.
                continue;
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !ct.IsCancellationRequested)
            {
                throw new IronicException($"Cannot reach Ironic at {_http.BaseAddress}: {e.Message}", null, e);
            }

            using (response)
            {
                if (response.IsSuccessStatusCode)
                {
                    // Parsed from the UTF-8 bytes: no intermediate string of the whole answer.
                    var bytes = await response.Content.ReadAsByteArrayAsync(ct);
                    return bytes.AsSpan().Trim(" \t\r\n"u8).IsEmpty ? null : JsonNode.Parse(bytes);
                }

                if (response.StatusCode == HttpStatusCode.NotFound && notFoundIsNull)
                {
                    return null;
                }

                var message = await ErrorMessageAsync(response, ct);
                var retriable = response.StatusCode == HttpStatusCode.ServiceUnavailable
                    || (response.StatusCode == HttpStatusCode.Conflict && retryConflict);
                if (retriable && attempt < _options.MaxRetries)
                {
                    _logger.LogDebug("Ironic answered {Status} to {Method} {Path}, retrying: {Message}",
                        (int)response.StatusCode, method, path, message);
                    await Task.Delay(TimeSpan.FromSeconds(_options.RetryInterval), ct);
                    continue;
                }

                throw new IronicException(
                    $"{(int)response.StatusCode} {method} {path}: {message}", (int)response.StatusCode);
            }
        }
    }

    private HttpRequestMessage NewRequest(HttpMethod method, string path)
    {
        var request = new HttpRequestMessage(method, path);
        request.Headers.TryAddWithoutValidation("User-Agent", UserAgent);
        if (_authorization is not null)
        {
            request.Headers.TryAddWithoutValidation("Authorization", _authorization);
        }

        return request;
    }

    /// <summary>Ironic wraps its error in <c>error_message</c>, itself a JSON document in a string.</summary>
    private static async Task<string> ErrorMessageAsync(HttpResponseMessage response, CancellationToken ct)
    {
        var text = await response.Content.ReadAsStringAsync(ct);
        try
        {
            var outer = JsonNode.Parse(text);
            var inner = outer?["error_message"];
            if (inner is JsonValue v && v.TryGetValue<string>(out var nested))
            {
                inner = JsonNode.Parse(nested);
            }

            // Most errors carry a faultstring; some (e.g. a malformed node name) a description.
            return (string?)inner?["faultstring"] ?? (string?)inner?["description"] ?? text;
        }
        catch (JsonException)
        {
            return text.Length > 500 ? text[..500] : text;
        }
    }

    /// <summary>
    /// Asks Ironic once for its newest API version and uses the older of that and
    /// <see cref="WantedVersion"/>, so an older Ironic is still spoken to in a version it knows.
    /// </summary>
    private async Task<string> NegotiatedVersionAsync(CancellationToken ct)
    {
        if (_version is { } known)
        {
            return known;
        }

        await _negotiation.WaitAsync(ct);
        try
        {
            if (_version is not null)
            {
                return _version;
            }

            JsonNode? root;
            try
            {
                using var request = NewRequest(HttpMethod.Get, "");
                using var response = await _http.SendAsync(request, ct);
                response.EnsureSuccessStatusCode();
                root = JsonNode.Parse(await response.Content.ReadAsByteArrayAsync(ct));
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException or JsonException && !ct.IsCancellationRequested)
            {
                throw new IronicException($"Cannot reach Ironic at {_http.BaseAddress}: {e.Message}", null, e);
            }

            var max = (string?)root?["default_version"]?["version"];
            var chosen = max is not null && Version.TryParse(max, out var server) && server < WantedVersion
                ? server
                : WantedVersion;
            _version = chosen.ToString(2);
            _logger.LogInformation("Talking to Ironic at {Endpoint} with API version {Version}", _http.BaseAddress, _version);
            return _version;
        }
        finally
        {
            _negotiation.Release();
        }
    }
}
