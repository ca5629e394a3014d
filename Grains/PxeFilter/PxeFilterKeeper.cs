using Inspector.Grains.Configuration;
using Inspector.Grains.Interfaces.Nodes;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Inspector.Grains.PxeFilter;

/// <summary>
/// Pokes the PXE filter's owner every second from every silo: a node that starts or finishes
/// reaches the DHCP server within a second or two, and the owner is re-created on a live silo
/// if its silo dies.
/// </summary>
public sealed class PxeFilterKeeper(IGrainFactory grains, IOptions<PxeFilterOptions> options, ILogger<PxeFilterKeeper> logger) : BackgroundService
{
    private static readonly TimeSpan Period = TimeSpan.FromSeconds(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (options.Value.Driver == "noop")
        {
            return;
        }

        using var timer = new PeriodicTimer(Period);
        do
        {
            try
            {
                await grains.GetGrain<IPxeFilterGrain>(0).SyncAsync();
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                logger.LogWarning(e, "PXE filter sync failed; trying again");
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }
}
