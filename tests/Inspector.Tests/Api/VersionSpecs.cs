using System.Net;
using Inspector.Tests.Infrastructure;

namespace Inspector.Tests.Api;

public sealed class VersionSpecs(SharedInspector shared) : IClassFixture<SharedInspector>
{
    private HttpClient Client => shared.Host.Client;

    [Fact]
    public async Task Root_lists_the_current_version_with_an_absolute_link()
    {
        var body = await (await Client.GetAsync("/")).AssertJsonAsync(HttpStatusCode.OK);
        Assert.Equal(
            $$"""{"versions":[{"id":"1.18","links":[{"href":"{{shared.Host.Url}}/v1","rel":"self"}],"status":"CURRENT"}]}""",
            body.ToJsonString());
    }

    [Fact]
    public async Task V1_lists_the_resources()
    {
        var body = await (await Client.GetAsync("/v1")).AssertJsonAsync(HttpStatusCode.OK);
        var names = body["resources"]!.AsArray().Select(r => (string?)r!["name"]);
        Assert.Equal(["continue", "introspection", "rules"], names);
        Assert.Equal($"{shared.Host.Url}/v1/introspection", (string?)body["resources"]![1]!["links"]![0]!["href"]);
    }

    [Fact]
    public async Task Links_follow_the_forwarded_headers_of_a_proxy()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/");
        request.Headers.Add("X-Forwarded-Proto", "https");
        request.Headers.Add("X-Forwarded-Host", "inspector.example.com");
        request.Headers.Add("X-Forwarded-Prefix", "/baremetal-introspection");
        var body = await (await Client.SendAsync(request)).AssertJsonAsync(HttpStatusCode.OK);
        Assert.Equal("https://inspector.example.com/baremetal-introspection/v1", (string?)body["versions"]![0]!["links"]![0]!["href"]);
    }

    [Theory]
    [InlineData(".c'qc")]
    public async Task A_forwarded_host_that_is_no_host_name_is_ignored(string host)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/");
        request.Headers.TryAddWithoutValidation("X-Forwarded-Host", host);
        var body = await (await Client.SendAsync(request)).AssertJsonAsync(HttpStatusCode.OK);
        Assert.Equal($"{shared.Host.Url}/v1", (string?)body["versions"]![0]!["links"]![0]!["href"]);
    }

    [Fact]
    public async Task An_unknown_api_version_is_named_in_a_404()
    {
        var message = await (await Client.GetAsync("/v2")).AssertErrorAsync(HttpStatusCode.NotFound);
        Assert.Equal("Version v2 not found.", message);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("latest")]
    [InlineData("LATEST")]
    [InlineData("1.0")]
    [InlineData("1.18")]
    [InlineData("1.2.3")]
    [InlineData("1.0000001")]
    [InlineData("1.1_7")]
    public async Task Supported_version_requests_are_served(string? version)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/v1/introspection");
        if (version is not null)
        {
            request.Headers.Add("X-OpenStack-Ironic-Inspector-API-Version", version);
        }

        await (await Client.SendAsync(request)).AssertJsonAsync(HttpStatusCode.OK);
    }

    [Theory]
    [InlineData("1.19", "1.19")]
    [InlineData("2.0", "2.0")]
    [InlineData("0.9", "0.9")]
    [InlineData("1.99999999999", "1.99999999999")]
    [InlineData("-1.0", "-1.0")]
    [InlineData("1.18.1", "1.18.1")]
    [InlineData(" 02 . 0 ", "2.0")]
    public async Task Versions_out_of_range_are_406(string version, string shown)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/v1/introspection");
        request.Headers.Add("X-OpenStack-Ironic-Inspector-API-Version", version);
        var message = await (await Client.SendAsync(request)).AssertErrorAsync(HttpStatusCode.NotAcceptable);
        Assert.Equal($"Unsupported API version {shown}, supported range is 1.0 to 1.18", message);
    }

    [Theory]
    [InlineData("abc")]
    [InlineData("1.x")]
    [InlineData("")]
    [InlineData("1")]
    [InlineData("1.")]
    [InlineData("1._5")]
    public async Task Malformed_versions_are_400_not_500(string version)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/v1/introspection");
        request.Headers.TryAddWithoutValidation("X-OpenStack-Ironic-Inspector-API-Version", version);
        var message = await (await Client.SendAsync(request)).AssertErrorAsync(HttpStatusCode.BadRequest);
        Assert.StartsWith("Malformed API version", message);
    }

    [Fact]
    public async Task Unknown_paths_are_json_404s()
    {
        var message = await (await Client.GetAsync("/v1/nothing-here")).AssertErrorAsync(HttpStatusCode.NotFound);
        Assert.StartsWith("404 Not Found: The requested URL was not found on the server.", message);
    }

    [Fact]
    public async Task Wrong_methods_are_json_405s_naming_the_allowed_ones()
    {
        var response = await Client.DeleteAsync("/v1/introspection");
        Assert.Equal("GET, HEAD, OPTIONS", string.Join(", ", response.Content.Headers.Allow));
        var message = await response.AssertErrorAsync(HttpStatusCode.MethodNotAllowed);
        Assert.StartsWith("405 Method Not Allowed", message);
    }

    [Fact]
    public async Task An_unknown_single_segment_is_an_unknown_version()
    {
        var message = await (await Client.GetAsync("/nope")).AssertErrorAsync(HttpStatusCode.NotFound);
        Assert.Equal("Version nope not found.", message);
    }

    [Theory]
    [InlineData("/", "GET, HEAD, OPTIONS")]
    [InlineData("/v1/introspection", "GET, HEAD, OPTIONS")]
    [InlineData("/v1/introspection/any-node", "GET, HEAD, OPTIONS, POST")]
    [InlineData("/v1/rules", "DELETE, GET, HEAD, OPTIONS, POST")]
    [InlineData("/v1/continue", "OPTIONS, POST")]
    public async Task Options_is_200_with_an_empty_body_and_the_allowed_methods(string path, string allowed)
    {
        var response = await Client.SendAsync(new HttpRequestMessage(HttpMethod.Options, path));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(allowed, string.Join(", ", response.Content.Headers.Allow));
        Assert.Empty(await response.Content.ReadAsByteArrayAsync());
        Assert.Equal("1.18", response.Headers.GetValues("X-OpenStack-Ironic-Inspector-API-Maximum-Version").Single());
    }

    [Fact]
    public async Task Options_on_an_unknown_path_is_404()
    {
        var response = await Client.SendAsync(new HttpRequestMessage(HttpMethod.Options, "/v1/nothing/here"));
        await response.AssertErrorAsync(HttpStatusCode.NotFound);
    }

    [Theory]
    [InlineData("/")]
    [InlineData("/v1")]
    [InlineData("/v1/introspection")]
    [InlineData("/v1/rules")]
    public async Task Head_gives_the_get_headers_without_the_body(string path)
    {
        var get = await Client.GetAsync(path);
        var getBody = await get.Content.ReadAsByteArrayAsync();
        var head = await Client.SendAsync(new HttpRequestMessage(HttpMethod.Head, path));

        Assert.Equal(get.StatusCode, head.StatusCode);
        Assert.Equal(getBody.Length, head.Content.Headers.ContentLength);
        Assert.Equal(get.Content.Headers.ContentType, head.Content.Headers.ContentType);
        Assert.Empty(await head.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task Head_on_an_unknown_node_is_the_get_error_without_its_body()
    {
        var head = await Client.SendAsync(new HttpRequestMessage(HttpMethod.Head, $"/v1/introspection/{Guid.NewGuid()}"));
        Assert.Equal(HttpStatusCode.NotFound, head.StatusCode);
        Assert.Empty(await head.Content.ReadAsByteArrayAsync());
    }

    [Theory]
    [InlineData("/")]
    [InlineData("/v1/introspection")]
    [InlineData("/v1/nothing/here")]
    public async Task Json_answers_carry_their_content_length(string path)
    {
        var response = await Client.GetAsync(path);
        var body = await response.Content.ReadAsByteArrayAsync();
        Assert.Equal(body.Length, response.Content.Headers.ContentLength);
        Assert.Null(response.Headers.TransferEncodingChunked);
    }

    [Fact]
    public async Task The_openstack_api_version_header_is_ignored()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/v1/introspection");
        request.Headers.Add("OpenStack-API-Version", "baremetal-introspection 1.99");
        await (await Client.SendAsync(request)).AssertJsonAsync(HttpStatusCode.OK);
    }
}
