using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using CsCheck;
using Inspector.Tests.Infrastructure;

namespace Inspector.Tests.Robustness;

/// <summary>
/// Thousands of random and mutated requests at every endpoint: the answer is never a 5xx, every
/// 4xx is the API's JSON error, the service goes on answering, and a finished node reads the same
/// afterwards. Each property runs on CsCheck's seed; a failure reports the request and the seed
/// (<c>Set seed: "..."</c>), and <c>CsCheck_Seed=...</c> in the environment replays it.
/// <c>INSPECTOR_FUZZ_SCALE=N</c> runs N times the iterations, for a soak run away from CI.
/// </summary>
public sealed class ApiFuzzSpecs(FuzzedInspector shared) : IClassFixture<FuzzedInspector>
{
    private const string MaximumVersionHeader = "X-OpenStack-Ironic-Inspector-API-Maximum-Version";

    private static readonly string[] TransitionalStates = ["starting", "processing", "reapplying", "aborting"];

    /// <summary>CsCheck's own <c>CsCheck_Iter</c> does not override an explicit count.</summary>
    private static readonly int Scale = int.TryParse(Environment.GetEnvironmentVariable("INSPECTOR_FUZZ_SCALE"), out var scale) && scale > 0 ? scale : 1;

    private FuzzedInspector Fuzzed => shared;

    private static Gen<FuzzRequest> Request(Gen<string> method, Gen<string> target, Gen<byte[]?> body) =>
        Gen.Select(method, target, FuzzRequests.Headers, body, (m, t, h, b) => new FuzzRequest(m, t, h, b));

    private static Gen<FuzzRequest> Request(string method, Gen<string> target, Gen<byte[]?>? body = null) =>
        Request(Gen.Const(method), target, body ?? Gen.Const((byte[]?)null));

    [Fact]
    public Task Version_discovery_and_unknown_routes_answer_json_and_never_fail()
    {
        var segment = FuzzRequests.Segment();
        return FuzzAsync(Gen.OneOf(
            Request("GET", FuzzRequests.Query.Select(q => "/" + q)),
            Request("GET", FuzzRequests.Query.Select(q => "/v1" + q)),
            Request("GET", segment.Select(s => "/v" + s)),
            Request(FuzzRequests.Method, segment.Select(s => "/" + s), FuzzRequests.Body(BodySeed.Ramdisk)),
            Request(FuzzRequests.Method, segment.Select(s => "/v1/" + s), FuzzRequests.Body(BodySeed.Rule)),
            Request(FuzzRequests.Method, Gen.Select(segment, segment, segment, (a, b, c) => $"/v1/introspection/{a}/{b}/{c}"), FuzzRequests.Body(BodySeed.Ramdisk)),
            Request(FuzzRequests.Method, Gen.OneOf("/", "/v1", "/v1/continue", "/v1/rules", "/v1/introspection").Select(p => p), FuzzRequests.Body(BodySeed.Rule))),
            iterations: 800);
    }

    [Fact]
    public Task Starting_reading_aborting_and_listing_introspections_never_fail()
    {
        var anyNode = FuzzRequests.Segment(Fuzzed.KnownNode, Fuzzed.SacrificialNode);
        var changeableNode = FuzzRequests.Segment(Fuzzed.SacrificialNode);
        return FuzzAsync(Gen.OneOf(
            Request("GET", FuzzRequests.Query.Select(q => "/v1/introspection" + q)),
            Request("POST", Gen.Select(changeableNode, FuzzRequests.Query, (n, q) => $"/v1/introspection/{n}{q}"), FuzzRequests.Body(BodySeed.Ramdisk)),
            Request("GET", Gen.Select(anyNode, FuzzRequests.Query, (n, q) => $"/v1/introspection/{n}{q}")),
            // Aborting a finished node changes nothing, so the known node may be aborted too.
            Request("POST", anyNode.Select(n => $"/v1/introspection/{n}/abort"), FuzzRequests.Body(BodySeed.Ramdisk))),
            iterations: 1500);
    }

    [Fact]
    public Task Reading_and_reapplying_introspection_data_never_fails()
    {
        var anyNode = FuzzRequests.Segment(Fuzzed.KnownNode, Fuzzed.SacrificialNode);
        var changeableNode = FuzzRequests.Segment(Fuzzed.SacrificialNode);
        return FuzzAsync(Gen.OneOf(
            Request("GET", anyNode.Select(n => $"/v1/introspection/{n}/data")),
            Request("GET", anyNode.Select(n => $"/v1/introspection/{n}/data/unprocessed")),
            Request("POST", changeableNode.Select(n => $"/v1/introspection/{n}/data/unprocessed"), FuzzRequests.Body(BodySeed.Ramdisk))),
            iterations: 800);
    }

    [Fact]
    public Task Ramdisk_data_of_any_shape_never_fails()
    {
        return FuzzAsync(Request("POST", FuzzRequests.Query.Select(q => "/v1/continue" + q), FuzzRequests.Body(BodySeed.Ramdisk)), iterations: 1500);
    }

    [Fact]
    public Task Managing_rules_with_any_input_never_fails()
    {
        var rule = FuzzRequests.Segment(Fuzzed.KnownRule);
        return FuzzAsync(Gen.Frequency(
            (6, Request("POST", Gen.Const("/v1/rules"), FuzzRequests.Body(BodySeed.Rule))),
            (2, Request("GET", FuzzRequests.Query.Select(q => "/v1/rules" + q))),
            (2, Request("GET", rule.Select(r => $"/v1/rules/{r}"))),
            (1, Request("DELETE", rule.Select(r => $"/v1/rules/{r}"))),
            (1, Request("DELETE", Gen.Const("/v1/rules")))),
            iterations: 1000);
    }

    /// <summary>
    /// Mutated data that does find its node runs the whole processing pipeline on broken input:
    /// the answer is still never a 5xx, and the node ends finished, in error or still waiting.
    /// </summary>
    [Fact]
    public async Task Mutated_data_for_a_node_on_introspection_never_fails_and_never_leaves_it_processing()
    {
        var host = Fuzzed.Host;
        var payloads = Gen.Select(Gen.Int, Gen.Int[0, 9], (seed, shape) => (seed, shape));
        await payloads.SampleAsync(async input =>
        {
            var random = new Random(input.seed);
            var mac = FuzzRequests.Mac(random);
            var bmc = FuzzRequests.Bmc(random);
            var node = await host.StartedNodeAsync(mac, manageBoot: false, bmc: bmc);
            JsonNode valid = input.shape < 3 ? RamdiskPayloads.Flat(mac, bmc) : RamdiskPayloads.Ipa(mac, bmc);
            var body = input.shape == 0 ? valid.ToJsonString() : JsonMutations.MutateTree(valid, random)?.ToJsonString() ?? "null";
            var request = new FuzzRequest("POST", "/v1/continue", [], System.Text.Encoding.UTF8.GetBytes(body));
            await AssertAnsweredWellAsync(request, await SendAsync(request));

            var status = await host.StatusAsync(node);
            Assert.True(!TransitionalStates.Contains((string?)status["state"]),
                $"Node {node} was left {status["state"]} by {request}");
        }, iter: 300 * Scale, threads: 2, print: input => $"seed {input.seed}, shape {input.shape}");
        await AssertStillServingAsync();
    }

    private async Task FuzzAsync(Gen<FuzzRequest> requests, int iterations)
    {
        await requests.SampleAsync(async request => await AssertAnsweredWellAsync(request, await SendAsync(request)),
            writeLine: line => TestContext.Current.TestOutputHelper?.WriteLine(line),
            iter: iterations * Scale, threads: 4, print: request => request.ToString());
        await AssertStillServingAsync();
    }

    private async Task<HttpResponseMessage> SendAsync(FuzzRequest request)
    {
        var uri = new Uri(Fuzzed.Host.Url + request.Target, new UriCreationOptions { DangerousDisablePathAndQueryCanonicalization = true });
        using var message = new HttpRequestMessage(new HttpMethod(request.Method), uri);
        if (request.Body is not null)
        {
            message.Content = new ByteArrayContent(request.Body);
        }

        foreach (var (name, value) in request.Headers)
        {
            if (name == "Content-Type")
            {
                message.Content?.Headers.TryAddWithoutValidation(name, value);
            }
            else
            {
                message.Headers.TryAddWithoutValidation(name, value);
            }
        }

        return await Fuzzed.Client.SendAsync(message, TestContext.Current.CancellationToken);
    }

    /// <summary>No 5xx; the API answered (its version headers); a 4xx is exactly <c>{"error": {"message": "..."}}</c>.</summary>
    private static async Task AssertAnsweredWellAsync(FuzzRequest request, HttpResponseMessage response)
    {
        using (response)
        {
            var status = (int)response.StatusCode;
            var text = await response.Content.ReadAsStringAsync();
            var answer = $"{status} {response.Content.Headers.ContentType}: {(text.Length > 500 ? text[..500] : text)}";
            Assert.True(status < 500, $"Server error for\n{request}\n=> {answer}");
            Assert.True(response.Headers.Contains(MaximumVersionHeader), $"Not answered by the API for\n{request}\n=> {answer}");
            if (status < 400)
            {
                return;
            }

            Assert.True(response.Content.Headers.ContentType?.MediaType == "application/json", $"Error is not JSON for\n{request}\n=> {answer}");
            JsonNode? body = null;
            try
            {
                body = JsonNode.Parse(text);
            }
            catch (JsonException)
            {
                // Reported below.
            }

            var error = body is JsonObject { Count: 1 } o && o["error"] is JsonObject { Count: 1 } e && e["message"] is JsonValue m
                && m.GetValueKind() == JsonValueKind.String;
            Assert.True(error, $"Not the API's error format for\n{request}\n=> {answer}");
        }
    }

    /// <summary>After a batch: the root answers, the known node reads as before, nothing is stuck.</summary>
    private async Task AssertStillServingAsync()
    {
        var root = await Fuzzed.Host.Client.GetAsync("/", TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, root.StatusCode);
        var snapshot = await Fuzzed.SnapshotAsync();
        Assert.Equal(Fuzzed.KnownSnapshot, snapshot);
        var sacrificial = await Fuzzed.SettledSacrificialStatusAsync();
        Assert.DoesNotContain((string?)sacrificial["state"], TransitionalStates);
    }
}
