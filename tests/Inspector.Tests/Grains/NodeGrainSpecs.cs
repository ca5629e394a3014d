using Inspector.Grains.Hosting;
using Inspector.Grains.Interfaces.Nodes;
using Inspector.Grains.Storage;
using Inspector.IronicEmulator;
using Inspector.Tests.Infrastructure;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Orleans.TestingHost;

namespace Inspector.Tests.Grains;

/// <summary>
/// An in-process Orleans cluster whose silo has the services of production's silo
/// (<see cref="InspectorSilo.AddInspectorServices"/>; the test cluster brings its own clustering),
/// with its SQLite database in a temporary directory, in front of an emulated Ironic.
/// </summary>
public sealed class NodeGrainCluster : IAsyncLifetime
{
    private InProcessTestCluster? _cluster;
    private IronicEmulatorServer? _ironic;

    public InProcessTestCluster Cluster => _cluster ?? throw new InvalidOperationException("Not started");

    public EmulatedIronic Ironic => (_ironic ?? throw new InvalidOperationException("Not started")).Ironic;

    public IGrainFactory Grains => Cluster.Client;

    public string Directory { get; } = System.IO.Directory.CreateTempSubdirectory("inspector-grains-").FullName;

    public async ValueTask InitializeAsync()
    {
        _ironic = await IronicEmulatorServer.StartAsync();
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["DEFAULT:introspection_delay"] = "0",
                ["DEFAULT:clean_up_period"] = "0",
                ["database:connection"] = $"sqlite:///{Directory}/inspector.sqlite",
                ["ironic:endpoint_override"] = _ironic.Url,
                ["ironic:max_retries"] = "2",
                ["ironic:retry_interval"] = "0.05",
                ["orleans:silo_port"] = FreePorts.Next().ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["orleans:gateway_port"] = FreePorts.Next().ToString(System.Globalization.CultureInfo.InvariantCulture),
            })
            .Build();

        var builder = new InProcessTestClusterBuilder(1);
        builder.ConfigureSilo((_, silo) => silo.AddInspectorServices(configuration));
        _cluster = builder.Build();
        await _cluster.DeployAsync();
    }

    public async ValueTask DisposeAsync()
    {
        if (_cluster is not null)
        {
            await _cluster.DisposeAsync();
        }

        if (_ironic is not null)
        {
            await _ironic.DisposeAsync();
        }

        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
            // Left for the system's temporary-file clean-up.
        }
    }

    /// <summary>The store behind the node grains' state, read directly.</summary>
    public INodeStore Store => Cluster.GetSiloServiceProvider().GetRequiredService<INodeStore>();

    /// <summary>A manageable node of the emulated Ironic with a port and a BMC address.</summary>
    public string AddNode() => Ironic.AddNode(
        provisionState: "manageable",
        driverInfo: new System.Text.Json.Nodes.JsonObject { ["ipmi_address"] = "192.0.2.20" },
        macs: [InspectorHost.RandomMac()]);
}

public sealed class NodeGrainSpecs(NodeGrainCluster cluster) : IClassFixture<NodeGrainCluster>
{
    private static readonly StartIntrospection WithoutBoot = new(ManageBoot: false);
    private static readonly StartIntrospection WithBoot = new(ManageBoot: true);

    private INodeGrain Node(string uuid) => cluster.Grains.GetGrain<INodeGrain>(uuid);

    [Fact]
    public async Task A_node_never_introspected_has_no_status()
    {
        Assert.Null(await Node(Guid.NewGuid().ToString()).GetStatusAsync());
    }

    [Fact]
    public async Task Starting_without_managing_boot_waits_at_once()
    {
        var uuid = cluster.AddNode();
        var before = DateTime.UtcNow;

        var result = await Node(uuid).StartAsync(WithoutBoot);

        Assert.Equal(CommandOutcome.Accepted, result.Outcome);
        var status = await Node(uuid).GetStatusAsync();
        Assert.NotNull(status);
        Assert.Equal(uuid, status.Uuid);
        Assert.Equal(IntrospectionState.Waiting, status.State);
        Assert.InRange(status.StartedAt, before.AddSeconds(-1), DateTime.UtcNow.AddSeconds(1));
        Assert.Null(status.FinishedAt);
        Assert.False(status.Finished);
        Assert.Null(status.Error);
        Assert.DoesNotContain(cluster.Ironic.Calls, c => c.Path.StartsWith($"/v1/nodes/{uuid}/states/power", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_node_unknown_to_ironic_cannot_be_started()
    {
        var uuid = Guid.NewGuid().ToString();

        var result = await Node(uuid).StartAsync(WithoutBoot);

        Assert.Equal(CommandOutcome.NotFound, result.Outcome);
        Assert.Equal($"Node {uuid} was not found in Ironic", result.Message);
        Assert.Null(await Node(uuid).GetStatusAsync());
    }

    [Fact]
    public async Task The_status_survives_a_deactivation_because_it_is_stored()
    {
        var uuid = cluster.AddNode();
        await Node(uuid).StartAsync(WithoutBoot);
        var started = await Node(uuid).GetStatusAsync();

        await cluster.Cluster.DeactivateAsync(Node(uuid));

        Assert.Equal(started, await Node(uuid).GetStatusAsync());
        var stored = await cluster.Store.ReadAsync(uuid);
        Assert.NotNull(stored);
        Assert.Equal(IntrospectionState.Waiting, stored.State.State);
        Assert.Equal(started!.StartedAt, stored.State.StartedAt);
    }

    [Fact]
    public async Task Aborting_a_waiting_introspection_ends_it_in_error()
    {
        var uuid = cluster.AddNode();
        await Node(uuid).StartAsync(WithoutBoot);

        var result = await Node(uuid).AbortAsync();

        Assert.Equal(CommandOutcome.Accepted, result.Outcome);
        var status = await WaitForStateAsync(uuid, IntrospectionState.Error);
        Assert.Equal("Canceled by operator", status.Error);
        Assert.NotNull(status.FinishedAt);
        Assert.True(status.FinishedAt >= status.StartedAt);
        // The inspector did not boot the node, so it does not power it off either.
        Assert.DoesNotContain(cluster.Ironic.Calls, c => c.Path.StartsWith($"/v1/nodes/{uuid}/states/power", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Aborting_a_node_never_introspected_is_not_found()
    {
        var uuid = Guid.NewGuid().ToString();

        var result = await Node(uuid).AbortAsync();

        Assert.Equal(CommandOutcome.NotFound, result.Outcome);
        Assert.Equal($"Could not find node {uuid} in cache", result.Message);
    }

    [Fact]
    public async Task A_timeout_for_an_earlier_start_does_nothing()
    {
        var uuid = cluster.AddNode();
        await Node(uuid).StartAsync(WithoutBoot);
        var status = (await Node(uuid).GetStatusAsync())!;

        Assert.False(await Node(uuid).TimeOutAsync(status.StartedAt.AddSeconds(-30)));

        Assert.Equal(status, await Node(uuid).GetStatusAsync());
    }

    [Fact]
    public async Task A_timeout_for_the_current_start_ends_it_in_error()
    {
        var uuid = cluster.AddNode();
        await Node(uuid).StartAsync(WithoutBoot);
        var startedAt = (await Node(uuid).GetStatusAsync())!.StartedAt;

        Assert.True(await Node(uuid).TimeOutAsync(startedAt));

        var status = (await Node(uuid).GetStatusAsync())!;
        Assert.Equal(IntrospectionState.Error, status.State);
        Assert.Equal("Introspection timeout", status.Error);
        Assert.NotNull(status.FinishedAt);
        Assert.Equal(startedAt, status.StartedAt);
        Assert.False(await Node(uuid).TimeOutAsync(startedAt));
    }

    [Fact]
    public async Task A_timeout_of_a_node_never_introspected_does_nothing()
    {
        var uuid = Guid.NewGuid().ToString();

        Assert.False(await Node(uuid).TimeOutAsync(DateTime.UtcNow));
        Assert.Null(await Node(uuid).GetStatusAsync());
    }

    [Fact]
    public async Task A_node_can_be_started_again_while_waiting()
    {
        var uuid = cluster.AddNode();
        await Node(uuid).StartAsync(WithoutBoot);
        var first = (await Node(uuid).GetStatusAsync())!;
        await Task.Delay(5);

        Assert.Equal(CommandOutcome.Accepted, (await Node(uuid).StartAsync(WithoutBoot)).Outcome);

        var second = (await Node(uuid).GetStatusAsync())!;
        Assert.Equal(IntrospectionState.Waiting, second.State);
        Assert.True(second.StartedAt > first.StartedAt);
    }

    [Fact]
    public async Task Abort_while_a_managed_boot_is_under_way_is_locked_at_once()
    {
        var ironic = cluster.Ironic;
        var uuid = cluster.AddNode();
        await Node(uuid).StartAsync(WithoutBoot);
        var latency = TimeSpan.FromMilliseconds(1500);
        ironic.Latency = latency;
        try
        {
            int NodeReads() => ironic.Calls.Count(c => c.Path == $"/v1/nodes/{uuid}");
            var readsBefore = NodeReads();
            var start = Node(uuid).StartAsync(WithBoot);
            await WaitUntilAsync(() => NodeReads() > readsBefore);

            // While the restart checks the node with Ironic, the node is locked; the answer does not wait for Ironic.
            await AssertLockedAtOnceAsync(uuid, latency);

            Assert.Equal(CommandOutcome.Accepted, (await start).Outcome);

            // Start has answered; the reboot into the ramdisk still runs and still holds the lock.
            Assert.Equal(IntrospectionState.Starting, (await Node(uuid).GetStatusAsync())!.State);
            await AssertLockedAtOnceAsync(uuid, latency);
            var again = await Node(uuid).StartAsync(WithBoot);
            Assert.Equal(CommandOutcome.Invalid, again.Outcome);
            Assert.Equal("Can not transition from state 'starting' on event 'start' (no defined transition)", again.Message);
        }
        finally
        {
            ironic.Latency = TimeSpan.Zero;
        }

        await WaitForStateAsync(uuid, IntrospectionState.Waiting);
        Assert.Equal("power on", (string?)ironic.FindNode(uuid)!["power_state"]);
        Assert.Equal("pxe", (string?)ironic.FindNode(uuid)!["boot_device"]!["boot_device"]);

        Assert.Equal(CommandOutcome.Accepted, (await Node(uuid).AbortAsync()).Outcome);
        var aborted = await WaitForStateAsync(uuid, IntrospectionState.Error);
        Assert.Equal("Canceled by operator", aborted.Error);
        // The inspector booted the node, so it powers it off.
        await WaitUntilAsync(() => (string?)ironic.FindNode(uuid)!["power_state"] == "power off");
    }

    [Fact]
    public async Task Forgetting_a_node_clears_its_status()
    {
        var uuid = cluster.AddNode();
        await Node(uuid).StartAsync(WithoutBoot);

        await Node(uuid).ForgetAsync();

        Assert.Null(await Node(uuid).GetStatusAsync());
        Assert.Null(await cluster.Store.ReadAsync(uuid));
        await cluster.Cluster.DeactivateAsync(Node(uuid));
        Assert.Null(await Node(uuid).GetStatusAsync());
    }

    [Fact]
    public async Task A_forgotten_node_can_be_introspected_again()
    {
        var uuid = cluster.AddNode();
        await Node(uuid).StartAsync(WithoutBoot);
        await Node(uuid).ForgetAsync();

        Assert.Equal(CommandOutcome.Accepted, (await Node(uuid).StartAsync(WithoutBoot)).Outcome);

        Assert.Equal(IntrospectionState.Waiting, (await Node(uuid).GetStatusAsync())!.State);
    }

    private async Task AssertLockedAtOnceAsync(string uuid, TimeSpan latency)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var result = await Node(uuid).AbortAsync();
        Assert.True(clock.Elapsed < latency, $"abort took {clock.Elapsed}");
        Assert.Equal(CommandOutcome.Locked, result.Outcome);
        Assert.Equal("Node is locked, please, retry later", result.Message);
    }

    private async Task<NodeStatus> WaitForStateAsync(string uuid, IntrospectionState state)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (true)
        {
            var status = await Node(uuid).GetStatusAsync();
            if (status?.State == state)
            {
                return status;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Node {uuid} is {status?.State}, not {state}: {status}");
            }

            await Task.Delay(10);
        }
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException("The condition did not become true in time");
            }

            await Task.Delay(5);
        }
    }
}
