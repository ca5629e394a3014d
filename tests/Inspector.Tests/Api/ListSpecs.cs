using System.Net;
using Inspector.Tests.Infrastructure;

namespace Inspector.Tests.Api;

/// <summary>GET /v1/introspection; every test runs on its own inspector so the list is known.</summary>
public sealed class ListSpecs
{
    private static async Task<(InspectorHost Host, List<string> NewestFirst)> HostWithNodesAsync(int count, string? ini = null)
    {
        var host = await InspectorHost.StartAsync(ini is null ? null : new Dictionary<string, string> { ["DEFAULT"] = ini });
        var nodes = new List<string>();
        for (var i = 0; i < count; i++)
        {
            var node = host.AddNode();
            await (await host.StartIntrospectionAsync(node, "?manage_boot=false")).AssertAcceptedAsync();
            nodes.Add(node);
        }

        nodes.Reverse();
        return (host, nodes);
    }

    private static async Task<List<string>> UuidsAsync(InspectorHost host, string query)
    {
        var body = await (await host.Client.GetAsync($"/v1/introspection{query}")).AssertJsonAsync(HttpStatusCode.OK);
        Assert.Equal(["introspection"], body.AsObject().Select(p => p.Key));
        return [.. body["introspection"]!.AsArray().Select(s => (string)s!["uuid"]!)];
    }

    [Fact]
    public async Task Statuses_are_listed_newest_first()
    {
        var (host, newestFirst) = await HostWithNodesAsync(5);
        await using var _ = host;
        Assert.Equal(newestFirst, await UuidsAsync(host, ""));
        Assert.Equal(newestFirst, await UuidsAsync(host, "/"));
    }

    [Fact]
    public async Task Items_are_full_status_objects()
    {
        var (host, nodes) = await HostWithNodesAsync(1);
        await using var _ = host;
        var body = await (await host.Client.GetAsync("/v1/introspection")).AssertJsonAsync(HttpStatusCode.OK);
        var item = body["introspection"]![0]!;
        Assert.Equal((await host.StatusAsync(nodes[0])).ToJsonString(), item.ToJsonString());
    }

    [Fact]
    public async Task Pages_follow_the_marker_without_repeating_it()
    {
        var (host, newestFirst) = await HostWithNodesAsync(5);
        await using var _ = host;
        var first = await UuidsAsync(host, "?limit=2");
        var second = await UuidsAsync(host, $"?limit=2&marker={first[^1]}");
        var third = await UuidsAsync(host, $"?limit=2&marker={second[^1]}");
        Assert.Equal(newestFirst, [.. first, .. second, .. third]);
        Assert.Empty(await UuidsAsync(host, $"?marker={third[^1]}"));
    }

    [Fact]
    public async Task Ties_on_started_at_are_ordered_by_uuid_descending()
    {
        await using var host = await InspectorHost.StartAsync();
        var nodes = Enumerable.Range(0, 6).Select(_ => host.AddNode()).ToList();
        await Task.WhenAll(nodes.Select(async n => (await host.StartIntrospectionAsync(n, "?manage_boot=false")).EnsureSuccessStatusCode()));
        var statuses = (await (await host.Client.GetAsync("/v1/introspection")).AssertJsonAsync(HttpStatusCode.OK))["introspection"]!.AsArray();
        var keys = statuses.Select(s => ((string)s!["started_at"]!, (string)s["uuid"]!)).ToList();
        var expected = keys.OrderByDescending(k => DateTime.Parse(k.Item1, System.Globalization.CultureInfo.InvariantCulture))
            .ThenByDescending(k => k.Item2, StringComparer.Ordinal).ToList();
        Assert.Equal(expected, keys);
    }

    [Fact]
    public async Task The_state_filter_takes_one_or_more_states()
    {
        var (host, nodes) = await HostWithNodesAsync(3);
        await using var _ = host;
        await (await host.Client.PostAsync($"/v1/introspection/{nodes[1]}/abort", null)).AssertAcceptedAsync();
        await host.WaitForStateAsync(nodes[1], "error");

        Assert.Equal([nodes[1]], await UuidsAsync(host, "?state=error"));
        Assert.Equal([nodes[0], nodes[2]], await UuidsAsync(host, "?state=waiting"));
        Assert.Equal(nodes, await UuidsAsync(host, "?state=waiting,error"));
        Assert.Empty(await UuidsAsync(host, "?state=finished"));
    }

    [Fact]
    public async Task A_limit_of_zero_or_none_means_the_maximum()
    {
        var (host, nodes) = await HostWithNodesAsync(3, "api_max_limit = 2");
        await using var _ = host;
        Assert.Equal(nodes[..2], await UuidsAsync(host, ""));
        Assert.Equal(nodes[..2], await UuidsAsync(host, "?limit=0"));
        Assert.Equal(nodes[..1], await UuidsAsync(host, "?limit=1"));
        var message = await (await host.Client.GetAsync("/v1/introspection?limit=3")).AssertErrorAsync(HttpStatusCode.BadRequest);
        Assert.Equal("Bad request: Limit over 2", message);
    }

    [Theory]
    [InlineData("?limit=1001", "Bad request: Limit over 1000")]
    [InlineData("?limit=-1", "Bad request: Limit cannot be negative")]
    [InlineData("?limit=abc", "Bad request: invalid literal for int() with base 10: 'abc'")]
    [InlineData("?limit=1.5", "Bad request: invalid literal for int() with base 10: '1.5'")]
    [InlineData("?limit=2147483648", "Bad request: Limit over 1000")]
    [InlineData("?limit=-99999999999", "Bad request: Limit cannot be negative")]
    [InlineData("?limit=1__0", "Bad request: invalid literal for int() with base 10: '1__0'")]
    [InlineData("?limit=abc&limit=1", "Bad request: invalid literal for int() with base 10: 'abc'")]
    [InlineData("?marker=not-a-uuid", "Bad request: Marker not UUID-like")]
    [InlineData("?state=bogus,nope", "Bad request: State(s) \"bogus, nope\" are not valid")]
    [InlineData("?state=waiting,bogus", "Bad request: State(s) \"bogus\" are not valid")]
    [InlineData("?state=", "Bad request: State(s) \"\" are not valid")]
    public async Task Invalid_queries_are_400_with_the_reference_messages(string query, string expected)
    {
        await using var host = await InspectorHost.StartAsync();
        var message = await (await host.Client.GetAsync($"/v1/introspection{query}")).AssertErrorAsync(HttpStatusCode.BadRequest);
        Assert.Equal(expected, message);
    }

    /// <summary>Python's <c>int</c>: underscores between digits, digits of other scripts, spaces around.</summary>
    [Fact]
    public async Task A_limit_is_read_as_python_reads_an_integer_and_only_its_first_value()
    {
        var (host, nodes) = await HostWithNodesAsync(3);
        await using var _ = host;
        Assert.Equal(nodes[..1], await UuidsAsync(host, "?limit=%EF%BC%91")); // FULLWIDTH DIGIT ONE
        Assert.Equal(nodes[..2], await UuidsAsync(host, "?limit=+2%20"));
        Assert.Equal(nodes[..1], await UuidsAsync(host, "?limit=1&limit=abc"));
        Assert.Equal(nodes[..3], await UuidsAsync(host, "?limit=1_0"));
    }

    [Fact]
    public async Task An_unknown_marker_is_404()
    {
        await using var host = await InspectorHost.StartAsync();
        var message = await (await host.Client.GetAsync($"/v1/introspection?marker={Guid.NewGuid()}")).AssertErrorAsync(HttpStatusCode.NotFound);
        Assert.Equal("Node not found for marker: None", message);
    }

    [Fact]
    public async Task Unknown_query_parameters_are_ignored()
    {
        var (host, nodes) = await HostWithNodesAsync(1);
        await using var _ = host;
        Assert.Equal(nodes, await UuidsAsync(host, "?sort_key=uuid&foo=bar"));
    }

    [Fact]
    public async Task An_empty_inspector_lists_nothing()
    {
        await using var host = await InspectorHost.StartAsync();
        var body = await (await host.Client.GetAsync("/v1/introspection")).AssertJsonAsync(HttpStatusCode.OK);
        Assert.Equal("""{"introspection":[]}""", body.ToJsonString());
    }
}
