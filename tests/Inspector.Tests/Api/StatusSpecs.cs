using System.Net;
using System.Text.RegularExpressions;
using Inspector.Tests.Infrastructure;

namespace Inspector.Tests.Api;

public sealed partial class StatusSpecs(SharedInspector shared) : IClassFixture<SharedInspector>
{
    private InspectorHost Host => shared.Host;

    [Fact]
    public async Task The_status_object_has_exactly_the_reference_fields_in_sorted_order()
    {
        var node = Host.AddNode();
        await (await Host.StartIntrospectionAsync(node, "?manage_boot=false")).AssertAcceptedAsync();

        var response = await Host.Client.GetAsync($"/v1/introspection/{node}");
        var status = (await response.AssertJsonAsync(HttpStatusCode.OK)).AsObject();
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(["error", "finished", "finished_at", "links", "started_at", "state", "uuid"], status.Select(p => p.Key));
        Assert.Null((string?)status["error"]);
        Assert.False((bool)status["finished"]!);
        Assert.Null(status["finished_at"]);
        Assert.Equal($$"""[{"href":"{{Host.Url}}/v1/introspection/{{node}}","rel":"self"}]""", status["links"]!.ToJsonString());
        Assert.Matches(PythonTimestamp(), (string?)status["started_at"]);
        Assert.Equal("waiting", (string?)status["state"]);
        Assert.Equal(node, (string?)status["uuid"]);
    }

    [Fact]
    public async Task A_finished_introspection_shows_when_and_why()
    {
        var node = Host.AddNode();
        await (await Host.StartIntrospectionAsync(node, "?manage_boot=false")).AssertAcceptedAsync();
        await (await Host.Client.PostAsync($"/v1/introspection/{node}/abort", null)).AssertAcceptedAsync();
        var status = await Host.WaitForStateAsync(node, "error");
        Assert.True((bool)status["finished"]!);
        Assert.Matches(PythonTimestamp(), (string?)status["finished_at"]);
        Assert.Equal("Canceled by operator", (string?)status["error"]);
        Assert.True(string.CompareOrdinal((string?)status["finished_at"], (string?)status["started_at"]) >= 0);
    }

    [Fact]
    public async Task Uuids_are_accepted_in_any_case_and_shown_in_lower_case()
    {
        var node = Host.AddNode();
        await (await Host.StartIntrospectionAsync(node.ToUpperInvariant(), "?manage_boot=false")).AssertAcceptedAsync();
        var status = await Host.StatusAsync(node.ToUpperInvariant());
        Assert.Equal(node, (string?)status["uuid"]);
    }

    [Fact]
    public async Task A_node_never_introspected_is_404_not_in_cache()
    {
        var uuid = Guid.NewGuid().ToString();
        var message = await (await Host.Client.GetAsync($"/v1/introspection/{uuid}")).AssertErrorAsync(HttpStatusCode.NotFound);
        Assert.Equal($"Could not find node {uuid} in cache", message);
    }

    [Fact]
    public async Task A_name_unknown_to_ironic_is_404()
    {
        var message = await (await Host.Client.GetAsync("/v1/introspection/unknown-name")).AssertErrorAsync(HttpStatusCode.NotFound);
        Assert.Equal("Node unknown-name was not found in Ironic", message);
    }

    [Fact]
    public async Task A_name_known_to_ironic_but_never_introspected_is_404_not_in_cache()
    {
        var node = Host.AddNode("idle-node");
        var message = await (await Host.Client.GetAsync("/v1/introspection/idle-node")).AssertErrorAsync(HttpStatusCode.NotFound);
        Assert.Equal($"Could not find node {node} in cache", message);
    }

    // Python's isoformat(): microseconds only when non-zero, no time zone.
    [GeneratedRegex(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{6})?$")]
    private static partial Regex PythonTimestamp();
}
