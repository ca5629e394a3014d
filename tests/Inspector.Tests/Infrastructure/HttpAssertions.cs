using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace Inspector.Tests.Infrastructure;

public static class HttpAssertions
{
    /// <summary>Asserts the status and the API's error format; returns the error message.</summary>
    public static async Task<string> AssertErrorAsync(this HttpResponseMessage response, HttpStatusCode status)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(status == response.StatusCode, $"Expected {(int)status}, got {(int)response.StatusCode}: {text}");
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        var body = JsonNode.Parse(text)!.AsObject();
        Assert.Equal(["error"], body.Select(p => p.Key));
        Assert.Equal(["message"], body["error"]!.AsObject().Select(p => p.Key));
        AssertVersionHeaders(response);
        return (string)body["error"]!["message"]!;
    }

    public static async Task<JsonNode> AssertJsonAsync(this HttpResponseMessage response, HttpStatusCode status)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(status == response.StatusCode, $"Expected {(int)status}, got {(int)response.StatusCode}: {text}");
        AssertVersionHeaders(response);
        return JsonNode.Parse(text)!;
    }

    public static async Task AssertAcceptedAsync(this HttpResponseMessage response)
    {
        var body = await response.AssertJsonAsync(HttpStatusCode.Accepted);
        Assert.Equal("{}", body.ToJsonString());
    }

    public static void AssertVersionHeaders(HttpResponseMessage response)
    {
        Assert.Equal("1.0", response.Headers.GetValues("X-OpenStack-Ironic-Inspector-API-Minimum-Version").Single());
        Assert.Equal("1.18", response.Headers.GetValues("X-OpenStack-Ironic-Inspector-API-Maximum-Version").Single());
    }

    public static async Task<JsonObject> ReadObjectAsync(this HttpResponseMessage response) =>
        (await response.Content.ReadFromJsonAsync<JsonObject>())!;
}
