using Inspector.Grains.Configuration;
using Inspector.Grains.Interfaces.Nodes;
using Inspector.Grains.Interfaces.References;
using Inspector.Grains.Ironic;
using Inspector.Grains.Nodes;
using Inspector.Grains.Storage;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Inspector.Grains.Housekeeping;

/// <summary>
/// Every <c>[DEFAULT] clean_up_period</c> seconds: times out introspections older than
/// <c>timeout</c>, wakes nodes whose run was cut short by a stopped silo, and forgets nodes that
/// were deleted from Ironic. All work from the durable status index, so they still happen after a
/// restart, whichever silo owned the node; the grains make each effect happen once.
/// </summary>
public sealed class HousekeepingService(
    IGrainFactory grains,
    INodeStore store,
    IronicClient ironic,
    IOptions<DefaultOptions> options,
    TimeProvider time,
    ILogger<HousekeepingService> logger) : BackgroundService
{
    private const int SweepBatch = 1000;

    /// <summary>States a node is in only while an activation runs it (see NodeGrain.IsInterrupted).</summary>
    private static readonly IntrospectionState[] RunningStates =
        [IntrospectionState.Starting, IntrospectionState.Processing, IntrospectionState.Reapplying, IntrospectionState.Aborting];

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            // Runs cut short by the stop of a process are taken over at once, not a period later.
            await WakeRunningNodesAsync(stoppingToken);
        }
        catch (Exception e) when (!stoppingToken.IsCancellationRequested)
        {
            logger.LogError(e, "Could not look for runs interrupted by a stop");
        }

        var period = options.Value.CleanUpPeriod;
        if (period <= 0)
        {
            logger.LogInformation("clean_up_period is 0: timeouts and the sync with Ironic are disabled");
            return;
        }

        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(period), time);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            await RunOnceAsync(stoppingToken);
        }
    }

    public async Task RunOnceAsync(CancellationToken ct)
    {
        try
        {
            await TimeOutOverdueAsync(ct);
            await WakeRunningNodesAsync(ct);
            await ForgetNodesDeletedFromIronicAsync(ct);
        }
        catch (Exception e) when (!ct.IsCancellationRequested)
        {
            logger.LogError(e, "Periodic clean-up failed; trying again next period");
        }
    }

    /// <summary>Ends every introspection that has run longer than <c>[DEFAULT] timeout</c>.</summary>
    public async Task<int> TimeOutOverdueAsync(CancellationToken ct)
    {
        var timeout = options.Value.Timeout;
        if (timeout <= 0)
        {
            return 0;
        }

        var cutoff = Timestamps.Now(time).AddSeconds(-timeout);
        var timedOut = 0;
        while (true)
        {
            var overdue = await store.FindOverdueAsync(cutoff, SweepBatch, ct);
            var results = await Task.WhenAll(overdue.Select(
                s => grains.Node(s.Uuid).TimeOutAsync(s.StartedAt)));
            var count = results.Count(r => r);
            timedOut += count;
            // A busy node is skipped and retried next period; stop when a batch made no progress.
            if (overdue.Count < SweepBatch || count == 0)
            {
                break;
            }
        }

        if (timedOut > 0)
        {
            logger.LogInformation("{Count} introspections timed out", timedOut);
        }

        return timedOut;
    }

    /// <summary>
    /// Activates every node in a running state. A live run is not disturbed; a node whose run died
    /// with its silo gets a new activation, which takes the run over.
    /// </summary>
    public async Task<int> WakeRunningNodesAsync(CancellationToken ct)
    {
        var woken = 0;
        string? marker = null;
        while (!ct.IsCancellationRequested)
        {
            var page = await store.ListAsync(new StatusQuery(SweepBatch, marker, RunningStates), ct);
            await Task.WhenAll(page.Items.Select(s => grains.Node(s.Uuid).GetStatusAsync()));
            woken += page.Items.Count;
            if (page.Items.Count < SweepBatch || page.MarkerNotFound)
            {
                break;
            }

            marker = page.Items[^1].Uuid;
        }

        return woken;
    }

    /// <summary>Drops the status of nodes that no longer exist in Ironic.</summary>
    public async Task<int> ForgetNodesDeletedFromIronicAsync(CancellationToken ct)
    {
        HashSet<string> inIronic;
        try
        {
            inIronic = await ironic.ListNodeUuidsAsync(ct);
        }
        catch (IronicException e)
        {
            logger.LogWarning("Cannot list Ironic nodes, skipping the sync: {Error}", e.Message);
            return 0;
        }

        var gone = (await store.ListUuidsAsync(ct)).Where(uuid => !inIronic.Contains(uuid)).ToList();
        foreach (var chunk in gone.Chunk(SweepBatch))
        {
            await Task.WhenAll(chunk.Select(uuid => grains.Node(uuid).ForgetAsync()));
        }

        if (gone.Count > 0)
        {
            logger.LogInformation("Forgot {Count} nodes deleted from Ironic", gone.Count);
        }

        return gone.Count;
    }
}
