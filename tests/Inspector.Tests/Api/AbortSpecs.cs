using System.Net;
using Inspector.Tests.Infrastructure;

namespace Inspector.Tests.Api;

public sealed class AbortSpecs(SharedInspector shared) : IClassFixture<SharedInspector>
{
    private InspectorHost Host => shared.Host;

    private Task<HttpResponseMessage> AbortAsync(string node) => Host.Client.PostAsync($"/v1/introspection/{node}/abort", null);

    private int PowerOffs(string node) =>
        Host.Ironic.Calls.Count(c => c.Path == $"/v1/nodes/{node}/states/power" && c.Body == """{"target":"power off"}""");

    [Fact]
    public async Task Abort_of_a_waiting_node_ends_it_in_error_and_powers_it_off()
    {
        var node = Host.AddNode();
        await (await Host.StartIntrospectionAsync(node)).AssertAcceptedAsync();
        await Host.WaitForStateAsync(node, "waiting");

        await (await AbortAsync(node)).AssertAcceptedAsync();
        var status = await Host.WaitForStateAsync(node, "error");
        Assert.Equal("Canceled by operator", (string?)status["error"]);
        Assert.True((bool)status["finished"]!);
        Assert.Equal(1, PowerOffs(node));
    }

    [Fact]
    public async Task Abort_without_managed_boot_leaves_the_power_alone()
    {
        var node = Host.AddNode();
        await (await Host.StartIntrospectionAsync(node, "?manage_boot=false")).AssertAcceptedAsync();
        await (await AbortAsync(node)).AssertAcceptedAsync();
        await Host.WaitForStateAsync(node, "error");
        Assert.Equal(0, PowerOffs(node));
    }

    [Fact]
    public async Task A_second_abort_powers_off_again_and_changes_nothing_else()
    {
        var node = Host.AddNode();
        await (await Host.StartIntrospectionAsync(node)).AssertAcceptedAsync();
        await Host.WaitForStateAsync(node, "waiting");
        await (await AbortAsync(node)).AssertAcceptedAsync();
        var first = await Host.WaitForStateAsync(node, "error");

        await (await AbortAsync(node)).AssertAcceptedAsync();
        await WaitUntilAsync(() => PowerOffs(node) == 2);
        Assert.Equal(first.ToJsonString(), (await Host.StatusAsync(node)).ToJsonString());
    }

    [Fact]
    public async Task Abort_by_name_is_accepted()
    {
        var name = $"abort-{Guid.NewGuid():N}";
        var node = Host.AddNode(name);
        await (await Host.StartIntrospectionAsync(node, "?manage_boot=false")).AssertAcceptedAsync();
        await (await AbortAsync(name)).AssertAcceptedAsync();
        await Host.WaitForStateAsync(node, "error");
    }

    [Fact]
    public async Task Abort_of_a_node_never_introspected_is_404()
    {
        var uuid = Guid.NewGuid().ToString();
        var message = await (await AbortAsync(uuid)).AssertErrorAsync(HttpStatusCode.NotFound);
        Assert.Equal($"Could not find node {uuid} in cache", message);
        await (await AbortAsync("nameless")).AssertErrorAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Abort_while_ironic_is_slow_to_reboot_is_409_at_once()
    {
        var node = Host.AddNode();
        Host.Ironic.FailNext($"/v1/nodes/{node}/states/power", 409, 1000);
        await (await Host.StartIntrospectionAsync(node)).AssertAcceptedAsync();
        await WaitUntilAsync(() => Host.Ironic.Calls.Any(c => c.Path == $"/v1/nodes/{node}/states/power"));

        var clock = System.Diagnostics.Stopwatch.StartNew();
        var message = await (await AbortAsync(node)).AssertErrorAsync(HttpStatusCode.Conflict);
        Assert.Equal("Node is locked, please, retry later", message);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(2), $"abort took {clock.Elapsed}");

        var status = await Host.WaitForStateAsync(node, "error");
        Assert.StartsWith("Failed to power on the node", (string?)status["error"]);
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "condition not met within 10 s");
            await Task.Delay(20);
        }
    }
}
