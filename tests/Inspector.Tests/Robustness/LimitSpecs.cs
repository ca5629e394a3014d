using System.Net;
using System.Net.Sockets;
using System.Text;
using Inspector.Tests.Infrastructure;
using Inspector.Tests.Processing;

namespace Inspector.Tests.Robustness;

/// <summary>An inspector that stores data and takes request bodies of at most 1 MiB.</summary>
public sealed class LimitedInspector() : ConfiguredInspector(new Dictionary<string, string>
{
    ["processing"] = $"max_request_body_size = {LimitSpecs.BodyLimit}",
});

/// <summary>
/// Every limit on a request is a 4xx JSON error whose message names the limit: URL length, header
/// size, path segments, query values, JSON nesting and duplicate keys, body size.
/// </summary>
public sealed class LimitSpecs(LimitedInspector shared) : IClassFixture<LimitedInspector>
{
    public const int BodyLimit = 1024 * 1024;

    private InspectorHost Host => shared.Host;

    private static string Nested(int depth) => new string('[', depth) + new string(']', depth);

    private Task<HttpResponseMessage> PostAsync(string path, string body) =>
        Host.Client.PostAsync(path, new ByteArrayContent(Encoding.UTF8.GetBytes(body)));

    [Fact]
    public async Task A_url_over_8192_characters_is_414_naming_the_limit()
    {
        var message = await (await Host.Client.GetAsync("/v1/introspection?" + new string('x', 8200))).AssertErrorAsync(HttpStatusCode.RequestUriTooLong);
        Assert.Contains("the limit is 8192", message);
    }

    [Fact]
    public async Task A_url_over_kestrels_64_kib_is_still_refused_with_414()
    {
        // Kestrel answers before the API sees the request: no JSON here (docs/compatibility.md).
        var response = await Host.Client.GetAsync("/v1/introspection?" + new string('x', 70_000));
        Assert.Equal(HttpStatusCode.RequestUriTooLong, response.StatusCode);
    }

    [Fact]
    public async Task Headers_over_32_kib_are_431_naming_the_limit()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/v1");
        request.Headers.Add("X-Padding", new string('x', 33 * 1024));
        var message = await (await Host.Client.SendAsync(request)).AssertErrorAsync(HttpStatusCode.RequestHeaderFieldsTooLarge);
        Assert.Contains("the limit is 32768", message);
    }

    [Fact]
    public async Task Headers_over_kestrels_64_kib_are_still_refused_with_431()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/v1");
        request.Headers.Add("X-Padding", new string('x', 70 * 1024));
        Assert.Equal(HttpStatusCode.RequestHeaderFieldsTooLarge, (await Host.Client.SendAsync(request)).StatusCode);
    }

    [Theory]
    [InlineData("GET", "/v1/introspection/{0}")]
    [InlineData("POST", "/v1/introspection/{0}")]
    [InlineData("POST", "/v1/introspection/{0}/abort")]
    [InlineData("GET", "/v1/introspection/{0}/data")]
    [InlineData("GET", "/v1/rules/{0}")]
    [InlineData("DELETE", "/v1/rules/{0}")]
    public async Task A_path_segment_over_255_characters_is_400_naming_the_limit(string method, string path)
    {
        using var request = new HttpRequestMessage(new HttpMethod(method), string.Format(System.Globalization.CultureInfo.InvariantCulture, path, new string('n', 256)));
        var message = await (await Host.Client.SendAsync(request)).AssertErrorAsync(HttpStatusCode.BadRequest);
        Assert.Contains("longer than the limit of 255", message);
    }

    [Fact]
    public async Task A_node_name_of_255_characters_is_looked_up_as_usual()
    {
        var message = await (await Host.Client.GetAsync($"/v1/introspection/{new string('n', 255)}")).AssertErrorAsync(HttpStatusCode.NotFound);
        Assert.DoesNotContain("limit", message);
    }

    [Theory]
    [InlineData("limit")]
    [InlineData("marker")]
    [InlineData("state")]
    public async Task A_list_parameter_over_255_characters_is_400_naming_it_and_the_limit(string parameter)
    {
        var value = parameter == "state" ? string.Join(',', Enumerable.Repeat("waiting", 40)) : new string('1', 256);
        var message = await (await Host.Client.GetAsync($"/v1/introspection?{parameter}={value}")).AssertErrorAsync(HttpStatusCode.BadRequest);
        Assert.Contains($"query parameter {parameter} is longer than the limit of 255", message);
    }

    [Fact]
    public async Task A_state_list_within_the_limit_is_served()
    {
        var states = string.Join(',', Enumerable.Repeat("waiting,error,finished", 11)); // 252 characters
        await (await Host.Client.GetAsync($"/v1/introspection?state={states}")).AssertJsonAsync(HttpStatusCode.OK);
    }

    [Fact]
    public async Task A_start_parameter_over_255_characters_is_400()
    {
        var node = Host.AddNode();
        var message = await (await Host.StartIntrospectionAsync(node, $"?manage_boot={new string('t', 300)}")).AssertErrorAsync(HttpStatusCode.BadRequest);
        Assert.Contains("manage_boot", message);
        Assert.DoesNotContain(Host.Ironic.Calls, c => c.Path.Contains(node, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("/v1/continue")]
    [InlineData("/v1/rules")]
    public async Task Json_nested_deeper_than_64_levels_is_400_naming_the_depth(string path)
    {
        var body = $$"""{"description": {{Nested(65)}}}""";
        var message = await (await PostAsync(path, body)).AssertErrorAsync(HttpStatusCode.BadRequest);
        Assert.StartsWith("Invalid JSON in the request body", message);
        Assert.Contains("64", message);
    }

    [Fact]
    public async Task Replacement_data_nested_deeper_than_64_levels_is_400()
    {
        var (node, _, _) = await Host.FinishedNodeAsync(manageBoot: false);
        var message = await (await PostAsync($"/v1/introspection/{node}/data/unprocessed", $$"""{"x": {{Nested(65)}}}""")).AssertErrorAsync(HttpStatusCode.BadRequest);
        Assert.Contains("64", message);
        Assert.Equal("finished", (string?)(await Host.StatusAsync(node))["state"]);
    }

    [Theory]
    [InlineData("/v1/continue", """{"inventory": {}, "inventory": {"interfaces": []}}""")]
    [InlineData("/v1/continue", """{"cpus": 1, "interfaces": {"eth0": {"mac": "52:54:00:00:00:01", "mac": "52:54:00:00:00:02"}}}""")]
    [InlineData("/v1/rules", """{"actions": [], "actions": [{"action": "fail", "message": "x"}]}""")]
    public async Task A_key_given_twice_in_one_object_is_400(string path, string body)
    {
        // The reference (Python's json) takes the last value; a JSON object in .NET cannot hold both.
        var message = await (await PostAsync(path, body)).AssertErrorAsync(HttpStatusCode.BadRequest);
        Assert.StartsWith("Invalid JSON in the request body", message);
        Assert.Contains("duplicate", message, StringComparison.OrdinalIgnoreCase);
    }

    [Theory]
    [InlineData("/v1/continue")]
    [InlineData("/v1/rules")]
    public async Task A_body_over_max_request_body_size_is_413_naming_the_limit(string path)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new ByteArrayContent(new byte[BodyLimit + 1]) };
        request.Headers.ExpectContinue = true;
        var message = await (await Host.Client.SendAsync(request)).AssertErrorAsync(HttpStatusCode.RequestEntityTooLarge);
        Assert.Contains(BodyLimit.ToString(System.Globalization.CultureInfo.InvariantCulture), message);
    }

    [Fact]
    public async Task A_header_value_beyond_ascii_reaches_the_api_and_gets_its_error()
    {
        using var client = new HttpClient(new SocketsHttpHandler { RequestHeaderEncodingSelector = (_, _) => Encoding.UTF8 }) { BaseAddress = new Uri(Host.Url) };
        using var request = new HttpRequestMessage(HttpMethod.Get, "/v1");
        request.Headers.TryAddWithoutValidation("X-OpenStack-Ironic-Inspector-API-Version", "１.１８");
        var message = await (await client.SendAsync(request)).AssertErrorAsync(HttpStatusCode.BadRequest);
        Assert.StartsWith("Malformed API version", message);
    }

    [Fact]
    public async Task A_nul_in_the_path_is_refused_by_kestrel_with_400()
    {
        // Kestrel answers before the API sees the request: no JSON here (docs/compatibility.md).
        var response = await Host.Client.GetAsync(new Uri($"{Host.Url}/v1/introspection/%00", new UriCreationOptions { DangerousDisablePathAndQueryCanonicalization = true }));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Fact]
    public async Task A_content_length_shorter_than_the_body_cuts_the_json_and_is_400()
    {
        // HttpClient will not send a wrong Content-Length; a raw socket does. What follows the
        // announced length is a second, malformed request, which Kestrel refuses on its own.
        const string body = """{"inventory": {"interfaces": []}}""";
        var response = await RawPostAsync("/v1/continue", body, body.Length - 10);
        Assert.StartsWith("HTTP/1.1 400", response);
        Assert.Contains("{\"error\":{\"message\":\"Invalid JSON in the request body", response);
        await (await Host.Client.GetAsync("/")).AssertJsonAsync(HttpStatusCode.OK);
    }

    [Fact]
    public async Task A_content_length_longer_than_the_body_times_out_with_a_json_408()
    {
        // The server waits for the missing bytes until the body's minimum data rate gives up.
        const string body = """{"inventory": {"interfaces": []}}""";
        var response = await RawPostAsync("/v1/continue", body, body.Length + 10);
        Assert.StartsWith("HTTP/1.1 408", response);
        Assert.Contains("{\"error\":{\"message\":", response);
        await (await Host.Client.GetAsync("/")).AssertJsonAsync(HttpStatusCode.OK);
    }

    /// <summary>Sends a request with the given Content-Length; returns the first answer, head and body.</summary>
    private async Task<string> RawPostAsync(string path, string body, int contentLength)
    {
        var uri = new Uri(Host.Url);
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(IPAddress.Loopback, uri.Port);
        var stream = tcp.GetStream();
        var head = $"POST {path} HTTP/1.1\r\nHost: {uri.Authority}\r\nContent-Length: {contentLength}\r\n\r\n";
        await stream.WriteAsync(Encoding.ASCII.GetBytes(head + body));

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var received = new List<byte>();
        var buffer = new byte[8192];
        while (true)
        {
            var text = Encoding.UTF8.GetString([.. received]);
            var end = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
            if (end >= 0)
            {
                var length = text[..end].Split("\r\n").Select(l => l.Split(':', 2))
                    .Where(p => p.Length == 2 && p[0].Equals("Content-Length", StringComparison.OrdinalIgnoreCase))
                    .Select(p => int.Parse(p[1].Trim(), System.Globalization.CultureInfo.InvariantCulture)).FirstOrDefault();
                var chunked = text[..end].Contains("Transfer-Encoding: chunked", StringComparison.OrdinalIgnoreCase);
                if (chunked ? text.EndsWith("\r\n0\r\n\r\n", StringComparison.Ordinal) : received.Count >= end + 4 + length)
                {
                    return text;
                }
            }

            var read = await stream.ReadAsync(buffer, timeout.Token);
            if (read == 0)
            {
                return Encoding.UTF8.GetString([.. received]);
            }

            received.AddRange(buffer.AsSpan(0, read));
        }
    }
}
