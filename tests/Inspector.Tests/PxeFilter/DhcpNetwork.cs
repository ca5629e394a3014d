using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace Inspector.Tests.PxeFilter;

/// <summary>
/// A private inspection network for the real DHCP specs: two network namespaces made for the
/// spec (a server side with <c>192.0.2.1/24</c>, TEST-NET-1, and a client side without an
/// address) joined by a veth pair, Debian's <c>dnsmasq</c> serving DHCP in the server
/// namespace and ISC <c>dhclient</c> asking for a lease in the client namespace with any MAC.
/// No other interface takes part, so no packet leaves the two namespaces. Everything it
/// started is killed by id and both namespaces are deleted on dispose.
/// </summary>
public sealed class DhcpNetwork : IAsyncDisposable
{
    /// <summary>How long a DHCP server that answers takes at most (it answers in milliseconds).</summary>
    private static readonly TimeSpan AnswerTime = TimeSpan.FromSeconds(3);

    private readonly List<Process> _processes = [];
    private readonly DirectoryInfo _directory = System.IO.Directory.CreateTempSubdirectory("inspector-dhcp-");
    private int _attempts;

    private DhcpNetwork(string suffix)
    {
        ServerNamespace = $"insp-dhcp-s-{suffix}";
        ClientNamespace = $"insp-dhcp-c-{suffix}";
        ServerInterface = $"ids{suffix}";
        ClientInterface = $"idc{suffix}";
    }

    public string ServerNamespace { get; }

    public string ClientNamespace { get; }

    /// <summary>The server's veth end (dnsmasq's <c>--interface</c>, the iptables driver's <c>dnsmasq_interface</c>).</summary>
    public string ServerInterface { get; }

    public string ClientInterface { get; }

    /// <summary>A directory for the leases and logs of this network.</summary>
    public string Directory => _directory.FullName;

    /// <summary>Everything dnsmasq logged so far, for failure messages.</summary>
    public string DnsmasqLog => string.Join("\n", _dnsmasqLog);

    private readonly ConcurrentQueue<string> _dnsmasqLog = new();

    /// <summary>
    /// Why these specs cannot run here, or null: they need root, <c>ip</c> and the given programs,
    /// and a network namespace that can actually be created.
    /// </summary>
    public static async Task<string?> WhyUnavailableAsync(params string[] programs)
    {
        if (!OperatingSystem.IsLinux())
        {
            return "network namespaces need Linux";
        }

        if (!Environment.IsPrivilegedProcess)
        {
            return "creating network namespaces needs root";
        }

        foreach (var program in programs.Prepend("ip"))
        {
            if (Which(program) is null)
            {
                return $"'{program}' is not installed (apt-get install {Package(program)})";
            }
        }

        var probe = $"insp-probe-{Guid.NewGuid().ToString("N")[..8]}";
        var (code, output) = await RunAsync("ip", "netns", "add", probe);
        if (code != 0)
        {
            return $"cannot create a network namespace: {output.Trim()}";
        }

        await RunAsync("ip", "netns", "delete", probe);
        return null;
    }

    /// <summary>Skips the spec with the reason, unless CI=true: there a missing prerequisite fails it.</summary>
    public static async Task RequireAsync(params string[] programs)
    {
        if (await WhyUnavailableAsync(programs) is not { } reason)
        {
            return;
        }

        if (Environment.GetEnvironmentVariable("CI") == "true")
        {
            Assert.Fail($"CI=true but the real DHCP specs cannot run: {reason}. .ci/run must install it.");
        }

        Assert.Skip($"Real DHCP spec skipped: {reason}.");
    }

    public static async Task<DhcpNetwork> CreateAsync()
    {
        var network = new DhcpNetwork(Guid.NewGuid().ToString("N")[..8]);
        try
        {
            await network.MustAsync("ip", "netns", "add", network.ServerNamespace);
            await network.MustAsync("ip", "netns", "add", network.ClientNamespace);
            await network.MustAsync("ip", "link", "add", network.ServerInterface, "netns", network.ServerNamespace,
                "type", "veth", "peer", "name", network.ClientInterface, "netns", network.ClientNamespace);
            await network.MustAsync("ip", "-n", network.ServerNamespace, "address", "add", "192.0.2.1/24", "dev", network.ServerInterface);
            await network.MustAsync("ip", "-n", network.ServerNamespace, "link", "set", "lo", "up");
            await network.MustAsync("ip", "-n", network.ServerNamespace, "link", "set", network.ServerInterface, "up");
            await network.MustAsync("ip", "-n", network.ClientNamespace, "link", "set", "lo", "up");
            return network;
        }
        catch
        {
            await network.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// Starts dnsmasq in the server namespace, serving 192.0.2.50-99 on the server interface only,
    /// with <c>--dhcp-hostsdir</c> when given (as the reference's dnsmasq PXE filter expects).
    /// </summary>
    public async Task StartDnsmasqAsync(string? hostsdir = null)
    {
        List<string> arguments =
        [
            "netns", "exec", ServerNamespace, Which("dnsmasq")!,
            "--no-daemon", "--conf-file=/dev/null", "--port=0", "--pid-file=", "--user=root", "--log-facility=-", "--log-dhcp",
            $"--interface={ServerInterface}", "--bind-interfaces", "--no-ping",
            "--dhcp-range=192.0.2.50,192.0.2.99", $"--dhcp-leasefile={Path.Combine(Directory, "dnsmasq.leases")}",
        ];
        if (hostsdir is not null)
        {
            arguments.Add($"--dhcp-hostsdir={hostsdir}");
        }

        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var dnsmasq = Start("ip", arguments, line =>
        {
            _dnsmasqLog.Enqueue(line);
            if (line.Contains("DHCP, sockets bound", StringComparison.Ordinal))
            {
                started.TrySetResult();
            }
        });
        var exited = dnsmasq.WaitForExitAsync();
        if (await Task.WhenAny(started.Task, exited, Task.Delay(TimeSpan.FromSeconds(10))) != started.Task)
        {
            Assert.Fail($"dnsmasq did not start: {DnsmasqLog}");
        }
    }

    /// <summary>
    /// Gives the client interface this MAC and asks for a lease with dhclient. True when one was
    /// bound; false when none came within a few seconds of the DHCPDISCOVER going out.
    /// </summary>
    public async Task<DhcpAttempt> RequestLeaseAsync(string mac)
    {
        await MustAsync("ip", "-n", ClientNamespace, "link", "set", ClientInterface, "down");
        await MustAsync("ip", "-n", ClientNamespace, "link", "set", ClientInterface, "address", mac);
        await MustAsync("ip", "-n", ClientNamespace, "link", "set", ClientInterface, "up");

        var attempt = Interlocked.Increment(ref _attempts).ToString(CultureInfo.InvariantCulture);
        var output = new ConcurrentQueue<string>();
        var discovered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var bound = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var client = Start("ip",
            [
                "netns", "exec", ClientNamespace, Which("dhclient")!, "-d", "-1", "-v", "-cf", "/dev/null", "-sf", "/bin/true",
                "-lf", Path.Combine(Directory, $"dhclient-{attempt}.leases"), "-pf", Path.Combine(Directory, $"dhclient-{attempt}.pid"),
                ClientInterface,
            ],
            line =>
            {
                output.Enqueue(line);
                if (line.StartsWith("DHCPDISCOVER", StringComparison.Ordinal))
                {
                    discovered.TrySetResult();
                }
                else if (line.StartsWith("bound to", StringComparison.Ordinal))
                {
                    bound.TrySetResult();
                }
            });
        try
        {
            var exited = client.WaitForExitAsync();
            if (await Task.WhenAny(discovered.Task, exited, Task.Delay(TimeSpan.FromSeconds(10))) != discovered.Task)
            {
                Assert.Fail($"dhclient sent no DHCPDISCOVER: {string.Join("\n", output)}");
            }

            var leased = await Task.WhenAny(bound.Task, Task.Delay(AnswerTime)) == bound.Task;
            return new DhcpAttempt(mac, leased, string.Join("\n", output), DnsmasqLog);
        }
        finally
        {
            Stop(client);
        }
    }

    /// <summary>Runs a command in the server namespace; throws with its output when it fails.</summary>
    public Task<string> InServerAsync(params string[] command) =>
        MustAsync(["ip", "netns", "exec", ServerNamespace, .. command]);

    public async ValueTask DisposeAsync()
    {
        foreach (var process in _processes)
        {
            Stop(process);
        }

        await RunAsync("ip", "netns", "delete", ServerNamespace);
        await RunAsync("ip", "netns", "delete", ClientNamespace);
        try
        {
            _directory.Delete(recursive: true);
        }
        catch (IOException)
        {
            // Nothing holds it once the processes are gone; a leftover temp directory is harmless.
        }
    }

    private Process Start(string program, IReadOnlyList<string> arguments, Action<string> onLine)
    {
        var info = new ProcessStartInfo(Which(program) ?? program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        var process = new Process { StartInfo = info };
        process.OutputDataReceived += (_, e) => { if (e.Data is { } line) { onLine(line); } };
        process.ErrorDataReceived += (_, e) => { if (e.Data is { } line) { onLine(line); } };
        process.Start();
        _processes.Add(process);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    private static void Stop(Process process)
    {
        try
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
                process.WaitForExit(5000);
            }
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }
    }

    private async Task<string> MustAsync(params string[] command)
    {
        var (code, output) = await RunAsync(command[0], command[1..]);
        if (code != 0)
        {
            throw new InvalidOperationException($"'{string.Join(' ', command)}' failed ({code}): {output.Trim()}");
        }

        return output;
    }

    private static async Task<(int Code, string Output)> RunAsync(string program, params string[] arguments)
    {
        var info = new ProcessStartInfo(Which(program) ?? program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        using var process = Process.Start(info)!;
        var output = new StringBuilder();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        output.Append(await stdout).Append(await stderr);
        return (process.ExitCode, output.ToString());
    }

    /// <summary>The full path of a program on PATH or in the sbin directories (root's PATH may lack them).</summary>
    public static string? Which(string program) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Concat(["/usr/local/sbin", "/usr/sbin", "/sbin", "/usr/bin", "/bin"])
            .Select(directory => Path.Combine(directory, program))
            .FirstOrDefault(File.Exists);

    private static string Package(string program) => program switch
    {
        "ip" => "iproute2",
        "dnsmasq" => "dnsmasq-base",
        "dhclient" => "isc-dhcp-client",
        "iptables" or "iptables-restore" => "iptables",
        _ => program,
    };
}

/// <summary>The outcome of one DHCP request, with both sides' logs for failure messages.</summary>
public sealed record DhcpAttempt(string Mac, bool Leased, string ClientLog, string ServerLog)
{
    public override string ToString() =>
        $"{Mac} {(Leased ? "got a lease" : "got no lease")}\n--- dhclient ---\n{ClientLog}\n--- dnsmasq ---\n{ServerLog}";
}
