using System.Net;
using Inspector.FleetEmulator.Ramdisk;
using Inspector.IronicEmulator;

namespace Inspector.FleetEmulator;

/// <summary>An emulated Ironic with a fleet of servers and their ramdisks, on a loopback port.</summary>
public sealed class FleetEmulatorServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private FleetEmulatorServer(WebApplication app, Fleet fleet, RamdiskFleet ramdisks, string url)
    {
        _app = app;
        Fleet = fleet;
        Ramdisks = ramdisks;
        Url = url;
    }

    public Fleet Fleet { get; }

    public EmulatedIronic Ironic => Fleet.Ironic;

    public RamdiskFleet Ramdisks { get; }

    /// <summary>e.g. <c>http://127.0.0.1:41234</c>.</summary>
    public string Url { get; }

    public static async Task<FleetEmulatorServer> StartAsync(int port, TimeSpan latency, RamdiskOptions ramdiskOptions)
    {
        // Calls are counted, never kept: a fleet makes millions of them.
        var ironic = new EmulatedIronic { Latency = latency, RecordCalls = false };
        var fleet = new Fleet(ironic);
        var ramdisks = new RamdiskFleet(fleet, ramdiskOptions);
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.Listen(IPAddress.Loopback, port);
            k.Limits.MaxConcurrentConnections = null;
            k.Limits.MaxRequestBodySize = null;
        });
        var app = builder.Build();
        app.MapIronicApi(ironic);
        app.MapFleetApi(fleet, ramdisks);
        await app.StartAsync();
        var address = app.Urls.First().Replace("[::]", "127.0.0.1", StringComparison.Ordinal);
        return new FleetEmulatorServer(app, fleet, ramdisks, address.TrimEnd('/'));
    }

    /// <summary>Completes when the host was told to stop: SIGTERM, SIGINT (Ctrl-C) or SIGQUIT, which
    /// the web host's console lifetime takes over from the process (so a <c>Console.CancelKeyPress</c>
    /// or <c>ProcessExit</c> handler never sees them).</summary>
    public Task WaitForShutdownAsync() => _app.WaitForShutdownAsync();

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        Ramdisks.Dispose();
    }
}
