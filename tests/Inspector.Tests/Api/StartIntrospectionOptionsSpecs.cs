using System.Diagnostics;
using System.Net;
using Inspector.Tests.Infrastructure;

namespace Inspector.Tests.Api;

/// <summary>Start-up options that change how introspection starts; each test runs its own inspector.</summary>
public sealed class StartIntrospectionOptionsSpecs
{
    [Fact]
    public async Task Without_can_manage_boot_only_unmanaged_starts_are_accepted()
    {
        await using var host = await InspectorHost.StartAsync(new Dictionary<string, string> { ["DEFAULT"] = "can_manage_boot = false" });
        var node = host.AddNode();
        var message = await (await host.StartIntrospectionAsync(node)).AssertErrorAsync(HttpStatusCode.BadRequest);
        Assert.Equal("Managed boot is requested, but this installation cannot manage boot (can_manage_boot set to False)", message);
        await (await host.StartIntrospectionAsync(node, "?manage_boot=false")).AssertAcceptedAsync();
    }

    [Fact]
    public async Task Active_nodes_are_accepted_when_active_introspection_is_permitted()
    {
        await using var host = await InspectorHost.StartAsync(new Dictionary<string, string> { ["processing"] = "permit_active_introspection = true" });
        var node = host.AddNode(provisionState: "active");
        await (await host.StartIntrospectionAsync(node, "?manage_boot=false")).AssertAcceptedAsync();
    }

    [Fact]
    public async Task Reboots_are_spaced_by_the_introspection_delay_and_the_node_is_locked_meanwhile()
    {
        await using var host = await InspectorHost.StartAsync(new Dictionary<string, string> { ["DEFAULT"] = "introspection_delay = 1.5" });
        var first = host.AddNode();
        var second = host.AddNode();
        var clock = Stopwatch.StartNew();
        await (await host.StartIntrospectionAsync(first)).AssertAcceptedAsync();
        await (await host.StartIntrospectionAsync(second)).AssertAcceptedAsync();

        // While the second node waits for its turn it stays starting and holds its lock.
        Assert.Equal("starting", (string?)(await host.StatusAsync(second))["state"]);
        var abort = await (await host.Client.PostAsync($"/v1/introspection/{second}/abort", null)).AssertErrorAsync(HttpStatusCode.Conflict);
        Assert.Equal("Node is locked, please, retry later", abort);
        var again = await (await host.StartIntrospectionAsync(second)).AssertErrorAsync(HttpStatusCode.BadRequest);
        Assert.Equal("Can not transition from state 'starting' on event 'start' (no defined transition)", again);

        await host.WaitForStateAsync(first, "waiting");
        await host.WaitForStateAsync(second, "waiting");
        Assert.True(clock.Elapsed >= TimeSpan.FromSeconds(1.4), $"the second reboot came after {clock.Elapsed}");
    }

    [Fact]
    public async Task An_unreachable_ironic_is_503_not_500()
    {
        await using var host = await InspectorHost.StartAsync(new Dictionary<string, string>
        {
            ["ironic"] = $"endpoint_override = http://127.0.0.1:{FreePorts.Next()}",
        });
        var message = await (await host.StartIntrospectionAsync(Guid.NewGuid().ToString())).AssertErrorAsync(HttpStatusCode.ServiceUnavailable);
        Assert.StartsWith("Cannot reach Ironic", message);
    }
}
