using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Reflection;
using System.Runtime.InteropServices;
using System.Text;
using Inspector.Grains.Configuration;
using Inspector.Tests.Infrastructure;
using Microsoft.Extensions.Configuration;

namespace Inspector.Tests.Processes;

/// <summary>Which of our hosts a <see cref="HostProcess"/> runs.</summary>
public enum HostKind
{
    /// <summary><c>Inspector.WebFront.dll</c>: the API, with its embedded silo unless <c>[orleans] gateways</c> is set.</summary>
    WebFront,

    /// <summary><c>Inspector.Silo.dll</c>: a silo alone, for web fronts that run as Orleans clients.</summary>
    Silo,
}

/// <summary>
/// One of our hosts run the way an operator runs it: <c>dotnet Inspector.X.dll --config-file FILE</c>
/// as a separate OS process. The configuration is a real INI file written once (see
/// <see cref="InspectorHost.WriteConfig"/>), so the host can be stopped and started again with the
/// same configuration and database. Everything the process prints goes to <see cref="LogFile"/>,
/// which failures quote.
/// </summary>
public sealed class HostProcess : IAsyncDisposable
{
    /// <summary>
    /// The specs that start host processes run one after the other: each process start is CPU
    /// heavy, and starts that compete make restarts slow enough to meet the timeouts under test.
    /// </summary>
    public const string Collection = "Host processes";

    private const int SigKill = 9;
    private const int SigTerm = 15;

    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(40);
    private static readonly TimeSpan GracefulStopTimeout = TimeSpan.FromSeconds(30);

    private readonly Lock _logLock = new();
    private Process? _process;
    private StreamWriter? _log;
    private int _runs;

    private HostProcess(HostKind kind, string directory, string name, string configFile, IConfiguration config)
    {
        Kind = kind;
        Directory = directory;
        Name = name;
        ConfigFile = configFile;
        LogFile = Path.Combine(directory, $"{name}.log");
        ListenPort = int.Parse(config["DEFAULT:listen_port"]!, CultureInfo.InvariantCulture);
        GatewayPort = int.Parse(config["orleans:gateway_port"]!, CultureInfo.InvariantCulture);
        SiloPort = int.Parse(config["orleans:silo_port"]!, CultureInfo.InvariantCulture);
        Url = $"http://127.0.0.1:{ListenPort}";
        Client = new HttpClient { BaseAddress = new Uri(Url), Timeout = TimeSpan.FromSeconds(30) };
    }

    public HostKind Kind { get; }

    /// <summary>Holds the configuration, the log and (by default) the SQLite database.</summary>
    public string Directory { get; }

    public string Name { get; }

    public string ConfigFile { get; }

    /// <summary>stdout and stderr of every run of this host, each run headed by its command line.</summary>
    public string LogFile { get; }

    /// <summary><c>[DEFAULT] listen_port</c>: where a web front answers.</summary>
    public int ListenPort { get; }

    /// <summary><c>[orleans] gateway_port</c>: where a silo (embedded or not) accepts clients.</summary>
    public int GatewayPort { get; }

    /// <summary><c>[orleans] silo_port</c>: where a silo talks to other silos (its address in the membership table).</summary>
    public int SiloPort { get; }

    /// <summary>e.g. <c>http://127.0.0.1:41234</c>, for a web front.</summary>
    public string Url { get; }

    /// <summary>A client of the web front; calls time out after 30 s rather than hang a test.</summary>
    public HttpClient Client { get; }

    /// <summary>The OS process id of the current run.</summary>
    public int ProcessId => _process?.Id ?? throw new InvalidOperationException($"{Name} is not running");

    public bool IsRunning => _process is { HasExited: false };

    /// <summary><c>Inspector.WebFront.dll</c> in the test output folder (the tests reference the web front).</summary>
    public static string WebFrontAssembly => RequireFile(Path.Combine(AppContext.BaseDirectory, "Inspector.WebFront.dll"));

    /// <summary><c>Inspector.Silo.dll</c> in the silo's own output folder, recorded at build time by the test project.</summary>
    public static string SiloAssembly => RequireFile(
        typeof(HostProcess).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .SingleOrDefault(a => a.Key == "SiloHostAssembly")?.Value
        ?? throw new InvalidOperationException("The test assembly does not record where Inspector.Silo.dll was built"));

    /// <summary>
    /// Writes the configuration of a host (<c>{name}.conf</c> in <paramref name="directory"/>) with
    /// fixed loopback ports, so that every run of it listens at the same place. <paramref name="ini"/>
    /// adds or overrides lines per section as for <see cref="InspectorHost.StartAsync"/>.
    /// </summary>
    public static HostProcess Configure(
        HostKind kind, string ironicUrl, string directory, IDictionary<string, string>? ini = null, string? name = null)
    {
        name ??= kind == HostKind.WebFront ? "webfront" : "silo";
        var merged = new Dictionary<string, string>
        {
            ["DEFAULT"] = $"listen_port = {FreePorts.Next()}",
        };
        foreach (var (section, lines) in ini ?? new Dictionary<string, string>())
        {
            merged[section] = merged.TryGetValue(section, out var ours) ? $"{ours}\n{lines}" : lines;
        }

        var configFile = Path.Combine(directory, $"{name}.conf");
        File.WriteAllText(configFile, InspectorHost.WriteConfig(ironicUrl, directory, merged));
        var config = new ConfigurationBuilder().AddOsloIniFile(configFile).Build();
        return new HostProcess(kind, directory, name, configFile, config);
    }

    /// <summary>
    /// Runs a host with <paramref name="args"/> to its end, as for a one-shot command such as
    /// <c>--upgrade-db</c>; fails if it runs longer than <paramref name="within"/>.
    /// </summary>
    public static async Task<(int ExitCode, string Stdout, string Stderr)> RunToExitAsync(
        HostKind kind, TimeSpan within, params string[] args)
    {
        var assembly = AssemblyOf(kind);
        var start = StartInfo(assembly, args);
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {assembly}");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var deadline = new CancellationTokenSource(within);
        try
        {
            await process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            throw new TimeoutException($"{Path.GetFileName(assembly)} {string.Join(' ', args)} did not exit within {within.TotalSeconds} s: {await stdout}{await stderr}");
        }

        return (process.ExitCode, await stdout, await stderr);
    }

    private static string AssemblyOf(HostKind kind) => kind == HostKind.WebFront ? WebFrontAssembly : SiloAssembly;

    /// <summary><c>dotnet ASSEMBLY ARGS</c> run as deployed: in the application's folder, in Production.</summary>
    private static ProcessStartInfo StartInfo(string assembly, IEnumerable<string> args)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = Path.GetDirectoryName(assembly)!,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(assembly);
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment["DOTNET_ENVIRONMENT"] = "Production";
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        return start;
    }

    /// <summary>Starts the process and waits until it serves: the web front answers <c>GET /</c>, the silo's gateway accepts TCP.</summary>
    public async Task StartAsync()
    {
        if (IsRunning)
        {
            throw new InvalidOperationException($"{Name} is already running");
        }

        _process?.Dispose();
        var assembly = AssemblyOf(Kind);
        var start = StartInfo(assembly, ["--config-file", ConfigFile]);
        // The test runner's settings are not the host's.
        start.Environment.Remove("ASPNETCORE_URLS");
        start.Environment.Remove("DOTNET_URLS");
        // Console logs go to our pipe; skip colours and keep them one line per entry.
        start.Environment["Logging__Console__FormatterName"] = "simple";
        start.Environment["Logging__Console__FormatterOptions__SingleLine"] = "true";
        start.Environment["Logging__Console__FormatterOptions__TimestampFormat"] = "HH:mm:ss.fff ";

        _log ??= new StreamWriter(LogFile, append: true, Encoding.UTF8) { AutoFlush = true };
        WriteLog($"===== run {++_runs} at {DateTime.UtcNow:HH:mm:ss.fff}: dotnet {string.Join(' ', start.ArgumentList)}");

        var process = new Process { StartInfo = start, EnableRaisingEvents = true };
        process.OutputDataReceived += (_, e) => WriteLog(e.Data);
        process.ErrorDataReceived += (_, e) => WriteLog(e.Data);
        process.Exited += (_, _) => WriteLog($"===== exited at {DateTime.UtcNow:HH:mm:ss.fff}");
        if (!process.Start())
        {
            throw new InvalidOperationException($"Could not start {Name}");
        }

        _process = process;
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        try
        {
            await WaitUntilServingAsync(process);
        }
        catch
        {
            KillHard();
            throw;
        }
    }

    /// <summary>
    /// Stops the process as a service manager does: SIGTERM, then waits for it to shut down on its
    /// own; only if it has not after <paramref name="grace"/> is it killed. Returns the exit code.
    /// </summary>
    public async Task<int> StopAsync(TimeSpan? grace = null)
    {
        var process = Running();
        Signal(process, SigTerm);
        using var timeout = new CancellationTokenSource(grace ?? GracefulStopTimeout);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            WriteLog($"===== did not stop within {(grace ?? GracefulStopTimeout).TotalSeconds} s of SIGTERM; killing it");
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            throw new TimeoutException($"{Name} did not stop on SIGTERM and was killed. Log:\n{LogTail()}");
        }

        return process.ExitCode;
    }

    /// <summary>Kills the process with SIGKILL (as <c>kill -9</c>): no shutdown code runs. Returns once it is gone.</summary>
    public async Task KillAsync()
    {
        var process = Running();
        Signal(process, SigKill);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await process.WaitForExitAsync(timeout.Token);
    }

    /// <summary>The last lines of the log, for failure messages.</summary>
    public string LogTail(int lines = 60)
    {
        lock (_logLock)
        {
            _log?.Flush();
            using var stream = new FileStream(LogFile, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            using var reader = new StreamReader(stream);
            var all = reader.ReadToEnd().Split('\n');
            return string.Join('\n', all.TakeLast(lines));
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (IsRunning)
        {
            try
            {
                await StopAsync(TimeSpan.FromSeconds(10));
            }
            catch (TimeoutException)
            {
                // Killed already; the test has its verdict.
            }
        }

        _process?.Dispose();
        Client.Dispose();
        lock (_logLock)
        {
            _log?.Dispose();
            _log = null;
        }
    }

    private async Task WaitUntilServingAsync(Process process)
    {
        var deadline = DateTime.UtcNow + StartTimeout;
        using var probe = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        while (true)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException(
                    $"{Name} exited with code {process.ExitCode} while starting. Log:\n{LogTail()}");
            }

            if (Kind == HostKind.WebFront ? await AnswersAsync(probe) : await AcceptsAsync(GatewayPort))
            {
                return;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"{Name} did not serve within {StartTimeout.TotalSeconds} s. Log:\n{LogTail()}");
            }

            await Task.Delay(100);
        }
    }

    private async Task<bool> AnswersAsync(HttpClient probe)
    {
        try
        {
            using var response = await probe.GetAsync($"{Url}/");
            return response.StatusCode == HttpStatusCode.OK;
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            return false;
        }
    }

    private static async Task<bool> AcceptsAsync(int port)
    {
        try
        {
            using var tcp = new TcpClient();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            await tcp.ConnectAsync(IPAddress.Loopback, port, timeout.Token);
            return true;
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException)
        {
            return false;
        }
    }

    private Process Running() =>
        _process is { HasExited: false } process ? process : throw new InvalidOperationException($"{Name} is not running");

    private void KillHard()
    {
        try
        {
            if (_process is { HasExited: false } process)
            {
                process.Kill(entireProcessTree: true);
                process.WaitForExit(10_000);
            }
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }
    }

    private void Signal(Process process, int signal)
    {
        WriteLog($"===== sending signal {signal} at {DateTime.UtcNow:HH:mm:ss.fff}");
        if (Posix.kill(process.Id, signal) != 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            if (!process.HasExited)
            {
                throw new InvalidOperationException($"kill({process.Id}, {signal}) failed with errno {errno}");
            }
        }
    }

    private void WriteLog(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_logLock)
        {
            _log?.WriteLine(line);
        }
    }

    private static string RequireFile(string path) =>
        File.Exists(path) ? path : throw new FileNotFoundException($"{path} is missing; build the solution first", path);

    private static class Posix
    {
        [DllImport("libc", SetLastError = true)]
#pragma warning disable SYSLIB1054, CA5392 // A one-line libc call; no marshalling to generate.
        public static extern int kill(int pid, int sig);
#pragma warning restore SYSLIB1054, CA5392
    }
}
