using Inspector.Grains.Configuration;
using Inspector.Grains.Interfaces.Nodes;
using Inspector.Grains.Ironic;
using Inspector.Grains.Nodes;
using Inspector.Grains.Storage;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Inspector.Grains.Housekeeping;

/// <summary>
/// Every <c>[DEFAULT] clean_up_period</c> seconds: times out introspections older than
/// <c>timeout</c> and forgets nodes that were deleted from Ironic. Both work from the durable
/// status index, so a timeout still fires after a restart, whichever silo owned the node.
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

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await RecoverInterruptedProcessingAsync(stoppingToken);
        }
        catch (Exception e) when (!stoppingToken.IsCancellationRequested)
        {
            logger.LogError(e, "Could not look for processing interrupted by a stop");
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
            await ForgetNodesDeletedFromIronicAsync(ct);
        }
        catch (Exception e) when (!ct.IsCancellationRequested)
        {
            logger.LogError(e, "Periodic clean-up failed; trying again next period");
        }
    }

    /// <summary>
    /// Wakes the nodes that a stopped process left processing: their grains find the processing
    /// interrupted and go back to waiting (see <see cref="NodeGrain"/>), in the list too.
    /// </summary>
    public async Task<int> RecoverInterruptedProcessingAsync(CancellationToken ct)
    {
        var page = await store.ListAsync(new StatusQuery(SweepBatch, null, [IntrospectionState.Processing]), ct);
        foreach (var status in page.Items)
        {
            await grains.GetGrain<INodeGrain>(status.Uuid).GetStatusAsync();
        }

        return page.Items.Count;
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
                s => grains.GetGrain<INodeGrain>(s.Uuid).TimeOutAsync(s.StartedAt)));
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
            await Task.WhenAll(chunk.Select(uuid => grains.GetGrain<INodeGrain>(uuid).ForgetAsync()));
        }

        if (gone.Count > 0)
        {
            logger.LogInformation("Forgot {Count} nodes deleted from Ironic", gone.Count);
        }

        return gone.Count;
    }
}
