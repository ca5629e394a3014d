using System.Diagnostics;
using System.Globalization;

namespace Inspector.Bench.Targets;

/// <summary>
/// The reference ironic-inspector, started and stopped by <c>bench/reference/reference.sh</c>:
/// <c>start PORT IRONIC_URL WORKDIR</c> (returns once it serves, leaves its process id in
/// <c>WORKDIR/pid</c>) and <c>stop WORKDIR</c>.
/// </summary>
public sealed class ReferenceTarget : ServiceTarget
{
    private readonly string _script;
    private readonly string _directory;
    private readonly bool _keep;

    private ReferenceTarget(string script, string directory, Uri url, int pid, bool keep)
    {
        _script = script;
        _directory = directory;
        _keep = keep;
        Url = url;
        Pid = pid;
    }

    public override string Name => "reference";

    public override Uri Url { get; }

    public override int Pid { get; }

    public static async Task<ReferenceTarget> StartAsync(string script, string ironicUrl, bool keep)
    {
        if (!File.Exists(script))
        {
            throw new FileNotFoundException($"The reference's start script is missing: {script}");
        }

        var directory = Directory.CreateTempSubdirectory("inspector-reference-").FullName;
        var port = FreePort.Next();
        await RunAsync(script, "start", port.ToString(CultureInfo.InvariantCulture), ironicUrl, directory);
        var pidFile = Path.Combine(directory, "pid");
        if (!File.Exists(pidFile))
        {
            throw new InvalidOperationException($"{script} start left no {pidFile}");
        }

        var pid = int.Parse((await File.ReadAllTextAsync(pidFile)).Trim(), CultureInfo.InvariantCulture);
        var url = new Uri($"http://127.0.0.1:{port}");
        await WaitUntilServingAsync(url, TimeSpan.FromSeconds(120), () => !Directory.Exists($"/proc/{pid}"));
        return new ReferenceTarget(script, directory, url, pid, keep);
    }

    public override async ValueTask DisposeAsync()
    {
        await RunAsync(_script, "stop", _directory);
        if (!_keep)
        {
            Directory.Delete(_directory, recursive: true);
        }

        await base.DisposeAsync();
    }

    private static async Task RunAsync(string script, params string[] arguments)
    {
        var start = new ProcessStartInfo("bash") { UseShellExecute = false };
        start.ArgumentList.Add(script);
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException("bash did not start");
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{script} {string.Join(' ', arguments)} exited with {process.ExitCode}");
        }
    }
}
