using Inspector.Grains.Interfaces.Nodes;
using Inspector.Grains.Nodes;
using Inspector.Grains.Storage;
using Inspector.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Inspector.Tests.Api;

/// <summary>
/// A node found in a running state by a new activation: the silo (or process) that ran it stopped
/// in the middle. Housekeeping wakes such nodes and the node grain takes the run over.
/// </summary>
public sealed class InterruptedRunSpecs : IAsyncLifetime
{
    private InspectorHost _host = null!;

    public async ValueTask InitializeAsync() =>
        _host = await InspectorHost.StartAsync(new Dictionary<string, string> { ["DEFAULT"] = "clean_up_period = 1" });

    public ValueTask DisposeAsync() => _host.DisposeAsync();

    [Fact]
    public async Task A_boot_cut_short_is_done_again_and_the_node_waits_for_its_ramdisk()
    {
        var node = await LeaveInStateAsync(IntrospectionState.Starting, manageBoot: true);

        await _host.WaitForStateAsync(node, "waiting", TimeSpan.FromSeconds(10));
        Assert.Contains(_host.Ironic.Calls, c => c.Method == "PUT" && c.Path == $"/v1/nodes/{node}/states/power" && c.Body!.Contains("rebooting"));
        Assert.Contains(_host.Ironic.Calls, c => c.Method == "PUT" && c.Path == $"/v1/nodes/{node}/management/boot_device");
    }

    [Fact]
    public async Task A_start_without_managed_boot_cut_short_just_waits()
    {
        var node = await LeaveInStateAsync(IntrospectionState.Starting, manageBoot: false);

        await _host.WaitForStateAsync(node, "waiting", TimeSpan.FromSeconds(10));
        Assert.DoesNotContain(_host.Ironic.Calls, c => c.Path.StartsWith($"/v1/nodes/{node}/states", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Processing_cut_short_ends_in_error_with_the_reason_instead_of_updating_ironic_twice()
    {
        var node = await LeaveInStateAsync(IntrospectionState.Processing, manageBoot: true);

        var status = await _host.WaitForStateAsync(node, "error", TimeSpan.FromSeconds(10));
        Assert.StartsWith("Processing was interrupted because the service running it stopped", (string?)status["error"]);
        Assert.DoesNotContain(_host.Ironic.Calls, c => c.Method == "PATCH");
    }

    [Fact]
    public async Task An_abort_cut_short_completes()
    {
        var node = await LeaveInStateAsync(IntrospectionState.Aborting, manageBoot: false);

        var status = await _host.WaitForStateAsync(node, "error", TimeSpan.FromSeconds(10));
        Assert.Equal("Canceled by operator", (string?)status["error"]);
    }

    [Fact]
    public async Task A_status_read_alone_is_enough_to_take_the_run_over()
    {
        await using var host = await InspectorHost.StartAsync(); // clean_up_period = 0: no housekeeping
        var node = await LeaveInStateAsync(IntrospectionState.Processing, manageBoot: true, host);

        await host.WaitForStateAsync(node, "error", TimeSpan.FromSeconds(10));
    }

    /// <summary>Writes a running state straight to storage, as a run that died would have left it.</summary>
    private async Task<string> LeaveInStateAsync(IntrospectionState state, bool manageBoot, InspectorHost? host = null)
    {
        host ??= _host;
        var node = host.AddNode();
        var store = host.Services.GetRequiredService<INodeStore>();
        await store.WriteAsync(node, new NodeState
        {
            State = state,
            StartedAt = DateTime.UtcNow,
            ManageBoot = manageBoot,
            LookupAttributes = [new LookupAttribute(LookupAttribute.BmcAddress, "192.0.2.10")],
        }, expectedETag: null);
        return node;
    }
}
