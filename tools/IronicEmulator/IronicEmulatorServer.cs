using System.Net;

namespace Inspector.IronicEmulator;

/// <summary>An emulated Ironic listening on a loopback port, for tests and benchmarks.</summary>
public sealed class IronicEmulatorServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private IronicEmulatorServer(WebApplication app, EmulatedIronic ironic, string url)
    {
        _app = app;
        Ironic = ironic;
        Url = url;
    }

    public EmulatedIronic Ironic { get; }

    /// <summary>e.g. <c>http://127.0.0.1:41234</c>.</summary>
    public string Url { get; }

    public static async Task<IronicEmulatorServer> StartAsync(int port = 0, EmulatedIronic? ironic = null)
    {
        ironic ??= new EmulatedIronic();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, port));
        var app = builder.Build();
        app.MapIronicApi(ironic);
        await app.StartAsync();
        var address = app.Urls.First().Replace("[::]", "127.0.0.1", StringComparison.Ordinal);
        return new IronicEmulatorServer(app, ironic, address.TrimEnd('/'));
    }

    /// <summary>Completes when the host was told to stop: SIGTERM, SIGINT (Ctrl-C) or SIGQUIT, which
    /// the web host's console lifetime takes over from the process (so a <c>Console.CancelKeyPress</c>
    /// or <c>ProcessExit</c> handler never sees them).</summary>
    public Task WaitForShutdownAsync() => _app.WaitForShutdownAsync();

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
