using Inspector.IronicEmulator;

namespace Inspector.Tests.Processes;

/// <summary>
/// The single-process default as an operator runs it: one web-front process (with its embedded
/// silo and SQLite database in its own folder) in front of an emulated Ironic, which outlives
/// the process's stops and restarts.
/// </summary>
public sealed class InspectorProcess : IAsyncDisposable
{
    private InspectorProcess(IronicEmulatorServer ironic, string directory, HostProcess host)
    {
        IronicServer = ironic;
        Directory = directory;
        Host = host;
    }

    public IronicEmulatorServer IronicServer { get; }

    public EmulatedIronic Ironic => IronicServer.Ironic;

    /// <summary>Configuration, database and log.</summary>
    public string Directory { get; }

    /// <summary>Configured, not started.</summary>
    public HostProcess Host { get; }

    /// <summary>Starts the emulated Ironic and configures the web front with <paramref name="ini"/>.</summary>
    public static async Task<InspectorProcess> ConfigureAsync(string name, IDictionary<string, string> ini)
    {
        var ironic = await IronicEmulatorServer.StartAsync();
        var directory = System.IO.Directory.CreateTempSubdirectory($"inspector-{name}-").FullName;
        return new InspectorProcess(ironic, directory, HostProcess.Configure(HostKind.WebFront, ironic.Url, directory, ini));
    }

    public async ValueTask DisposeAsync()
    {
        await ProcessSpecs.CleanUpAsync(Directory, Host);
        await IronicServer.DisposeAsync();
    }
}
