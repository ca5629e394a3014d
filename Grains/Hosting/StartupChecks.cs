using Inspector.Grains.Processing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Inspector.Grains.Hosting;

/// <summary>
/// Builds, at start-up, the services whose construction checks configuration (the processing
/// hooks), so a bad value stops the service instead of failing the first ramdisk.
/// </summary>
internal sealed class StartupChecks(IServiceProvider services) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        services.GetRequiredService<ProcessingPipeline>();
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
