using System.Net;
using Inspector.Tests.Infrastructure;

namespace Inspector.Tests.Api;

/// <summary>The periodic clean-up: timeouts and nodes deleted from Ironic.</summary>
public sealed class HousekeepingSpecs
{
    [Fact]
    public async Task An_introspection_not_finished_within_the_timeout_ends_in_error()
    {
        await using var host = await InspectorHost.StartAsync(new Dictionary<string, string> { ["DEFAULT"] = "timeout = 1\nclean_up_period = 1" });
        var node = host.AddNode();
        await (await host.StartIntrospectionAsync(node, "?manage_boot=false")).AssertAcceptedAsync();

        var status = await host.WaitForStateAsync(node, "error", TimeSpan.FromSeconds(10));
        Assert.Equal("Introspection timeout", (string?)status["error"]);
        Assert.True((bool)status["finished"]!);
    }

    [Fact]
    public async Task A_timeout_of_zero_never_times_out()
    {
        await using var host = await InspectorHost.StartAsync(new Dictionary<string, string> { ["DEFAULT"] = "timeout = 0\nclean_up_period = 1" });
        var node = host.AddNode();
        await (await host.StartIntrospectionAsync(node, "?manage_boot=false")).AssertAcceptedAsync();
        await Task.Delay(2500);
        Assert.Equal("waiting", (string?)(await host.StatusAsync(node))["state"]);
    }

    [Fact]
    public async Task Nodes_deleted_from_ironic_are_dropped_from_status_and_list()
    {
        await using var host = await InspectorHost.StartAsync(new Dictionary<string, string> { ["DEFAULT"] = "clean_up_period = 1" });
        var kept = host.AddNode();
        var deleted = host.AddNode();
        await (await host.StartIntrospectionAsync(kept, "?manage_boot=false")).AssertAcceptedAsync();
        await (await host.StartIntrospectionAsync(deleted, "?manage_boot=false")).AssertAcceptedAsync();

        host.Ironic.RemoveNode(deleted);
        var deadline = DateTime.UtcNow.AddSeconds(10);
        HttpResponseMessage response;
        while ((response = await host.Client.GetAsync($"/v1/introspection/{deleted}")).StatusCode != HttpStatusCode.NotFound)
        {
            Assert.True(DateTime.UtcNow < deadline, "the deleted node is still known");
            await Task.Delay(100);
        }

        Assert.Equal($"Could not find node {deleted} in cache", await response.AssertErrorAsync(HttpStatusCode.NotFound));
        var list = await (await host.Client.GetAsync("/v1/introspection")).AssertJsonAsync(HttpStatusCode.OK);
        Assert.Equal([kept], list["introspection"]!.AsArray().Select(s => (string?)s!["uuid"]));
        Assert.Equal("waiting", (string?)(await host.StatusAsync(kept))["state"]);
    }
}
