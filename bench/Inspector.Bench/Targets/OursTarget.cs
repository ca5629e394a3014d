using System.Diagnostics;
using System.Globalization;
using System.Reflection;

namespace Inspector.Bench.Targets;

/// <summary>
/// Our web front (embedded silo, SQLite in a temporary folder) started as its own process from its
/// build output, configured by a temporary INI file in front of the emulated Ironic.
/// </summary>
public sealed class OursTarget : ServiceTarget
{
    private readonly Process _process;
    private readonly string _directory;
    private readonly bool _keep;

    private OursTarget(Process process, Uri url, string directory, bool keep)
    {
        _process = process;
        Url = url;
        _directory = directory;
        _keep = keep;
    }

    public override string Name => "ours";

    public override Uri Url { get; }

    public override int Pid => _process.Id;

    public string Directory => _directory;

    /// <summary>The web front built beside this bench (same configuration), unless <paramref name="assembly"/> names another.</summary>
    public static string DefaultAssembly() =>
        typeof(OursTarget).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .FirstOrDefault(a => a.Key == "WebFrontAssembly")?.Value
        ?? throw new InvalidOperationException("The bench was built without the web front's path");

    public static async Task<OursTarget> StartAsync(string ironicUrl, string? assembly, IReadOnlyList<string> extraIni, bool keep)
    {
        assembly ??= DefaultAssembly();
        var directory = System.IO.Directory.CreateTempSubdirectory("inspector-bench-").FullName;
        var port = FreePort.Next();
        var ini = Path.Combine(directory, "inspector.conf");
        await File.WriteAllTextAsync(ini, Config(ironicUrl, directory, port, extraIni));
        // The service writes its log straight into the file (the shell execs into dotnet, so the
        // process id stays the service's): copying it through this process cost the bench a
        // line read and a flushed write per log line, on the cores the service is measured on.
        var start = new ProcessStartInfo("/bin/sh") { WorkingDirectory = Path.GetDirectoryName(assembly)!, UseShellExecute = false };
        foreach (var argument in new[] { "-c", "exec dotnet \"$@\" >\"$0\" 2>&1", Path.Combine(directory, "service.log"), assembly, "--config-file", ini })
        {
            start.ArgumentList.Add(argument);
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException("dotnet did not start");
        var url = new Uri($"http://127.0.0.1:{port}");
        var target = new OursTarget(process, url, directory, keep);
        try
        {
            await WaitUntilServingAsync(url, TimeSpan.FromSeconds(90), () => process.HasExited);
        }
        catch
        {
            await Console.Error.WriteLineAsync($"The service's log: {Path.Combine(directory, "service.log")}");
            await target.DisposeAsync();
            throw;
        }

        return target;
    }

    /// <summary>The service as a fleet operator would run it, with nothing that expires during a benchmark.</summary>
    public static string Config(string ironicUrl, string directory, int port, IReadOnlyList<string> extraIni)
    {
        var lines = new List<string>
        {
            "[DEFAULT]",
            "listen_address = 127.0.0.1",
            $"listen_port = {port.ToString(CultureInfo.InvariantCulture)}",
            "introspection_delay = 0",
            "timeout = 86400",
            "[database]",
            $"connection = sqlite:///{directory}/inspector.sqlite",
            "[ironic]",
            $"endpoint_override = {ironicUrl}",
            "[pxe_filter]",
            "driver = noop",
            // As bench/reference/reference.sh runs the reference: the data is kept, as Ironic's
            // inspection data API needs.
            "[processing]",
            "store_data = database",
            "[orleans]",
            $"silo_port = {FreePort.Next().ToString(CultureInfo.InvariantCulture)}",
            $"gateway_port = {FreePort.Next().ToString(CultureInfo.InvariantCulture)}",
        };
        lines.AddRange(extraIni);
        return string.Join('\n', lines) + "\n";
    }

    public override async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
        if (!_keep)
        {
            System.IO.Directory.Delete(_directory, recursive: true);
        }

        await base.DisposeAsync();
    }
}
