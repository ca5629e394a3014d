using Inspector.Tests.Infrastructure;

namespace Inspector.Tests.PxeFilter;

/// <summary>
/// Specs that change this test process's PATH, so they run alone, after the parallel ones.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ProcessPathCollection
{
    public const string Name = "process PATH";
}

/// <summary>
/// REAL: the <c>iptables</c> driver in front of Debian's dnsmasq, which answers every machine by
/// itself. The inspector runs in this process (root namespace) but its iptables commands must
/// act in the spec's server namespace, so <c>iptables</c> and <c>iptables-restore</c> on PATH
/// are wrappers that <c>ip netns exec</c> the real ones there: the root namespace's firewall is
/// never touched. Skipped where namespaces cannot be made, unless CI=true.
/// </summary>
[Collection(ProcessPathCollection.Name)]
public sealed class IptablesDhcpSpecs
{
    private const string Chain = "ironic-inspector";

    private static readonly TimeSpan Soon = TimeSpan.FromSeconds(5);

    /// <summary>The real iptables: the spec's own reads bypass the wrappers and their log.</summary>
    private string _iptables = "iptables";

    [Fact]
    public async Task Only_nodes_on_introspection_and_unknown_machines_during_introspection_get_through_the_chain()
    {
        await DhcpNetwork.RequireAsync("dnsmasq", "dhclient", "iptables", "iptables-restore");
        var iptables = DhcpNetwork.Which("iptables")!; // the real one, before PATH has the wrappers
        var rootFirewall = await RootFirewallAsync(iptables);
        await using var network = await DhcpNetwork.CreateAsync();
        await network.StartDnsmasqAsync();
        using var tools = new NamespacedTools(network.ServerNamespace, "iptables", "iptables-restore");
        _iptables = iptables;
        await using var inspector = await InspectorHost.StartAsync(new Dictionary<string, string>
        {
            ["pxe_filter"] = "driver = iptables\nsync_period = 1",
            ["iptables"] = $"dnsmasq_interface = {network.ServerInterface}\nfirewall_chain = {Chain}",
        });
        var introspected = InspectorHost.RandomMac();
        var deployed = InspectorHost.RandomMac();
        var unknown = InspectorHost.RandomMac();
        var node = inspector.AddNode(mac: introspected);
        inspector.Ironic.AddNode(provisionState: "active", macs: [deployed]);
        await ChainBecomesAsync(network, "nothing may boot",
            rules => Drops(rules, introspected) && Drops(rules, deployed) && rules[^1] == $"-A {Chain} -j DROP");

        await NoLeaseAsync(network, introspected);

        (await inspector.StartIntrospectionAsync(node)).EnsureSuccessStatusCode();
        await ChainBecomesAsync(network, "the introspected node and unknown machines may boot",
            rules => !Drops(rules, introspected) && Drops(rules, deployed) && rules[^1] == $"-A {Chain} -j ACCEPT");
        await LeaseAsync(network, introspected);
        await LeaseAsync(network, unknown);
        await NoLeaseAsync(network, deployed);

        (await inspector.Client.PostAsync($"/v1/introspection/{node}/abort", null)).EnsureSuccessStatusCode();
        await inspector.WaitForStateAsync(node, "error");
        await ChainBecomesAsync(network, "nothing may boot again", rules => Drops(rules, introspected) && rules[^1] == $"-A {Chain} -j DROP");
        var commands = tools.Calls.Count;
        await NoLeaseAsync(network, introspected);
        await NoLeaseAsync(network, unknown);

        // Several periodic syncs (sync_period = 1) ran meanwhile: an unchanged rule set costs no command.
        Assert.Equal([], tools.Calls.Skip(commands));

        Assert.Equal(rootFirewall, await RootFirewallAsync(iptables));
        var jumps = (await network.InServerAsync(iptables, "-w", "-S", "INPUT")).Split('\n').Count(r => r.EndsWith($"-j {Chain}", StringComparison.Ordinal));
        Assert.Equal(1, jumps);
    }

    private static bool Drops(IReadOnlyList<string> rules, string mac) =>
        rules.Any(r => r.Contains($"--mac-source {mac}", StringComparison.OrdinalIgnoreCase) && r.EndsWith("-j DROP", StringComparison.Ordinal));

    private async Task ChainBecomesAsync(DhcpNetwork network, string what, Func<IReadOnlyList<string>, bool> holds)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var rules = new List<string>();
        while (clock.Elapsed < Soon)
        {
            try
            {
                var listing = await network.InServerAsync(_iptables, "-w", "-S", Chain);
                rules = [.. listing.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Where(r => r.StartsWith("-A", StringComparison.Ordinal))];
                if (rules.Count > 0 && holds(rules))
                {
                    return;
                }
            }
            catch (InvalidOperationException)
            {
                // No chain yet (or being swapped).
            }

            await Task.Delay(100);
        }

        Assert.Fail($"The chain does not say {what} within {Soon.TotalSeconds} s:\n{string.Join("\n", rules)}");
    }

    private static async Task<string> RootFirewallAsync(string iptables)
    {
        var info = new System.Diagnostics.ProcessStartInfo(iptables, ["-w", "-S"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = System.Diagnostics.Process.Start(info)!;
        var output = await process.StandardOutput.ReadToEndAsync();
        await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return output;
    }

    private static async Task LeaseAsync(DhcpNetwork network, string mac)
    {
        var attempt = await network.RequestLeaseAsync(mac);
        Assert.True(attempt.Leased, attempt.ToString());
    }

    private static async Task NoLeaseAsync(DhcpNetwork network, string mac)
    {
        var attempt = await network.RequestLeaseAsync(mac);
        Assert.False(attempt.Leased, attempt.ToString());
    }
}

/// <summary>
/// Puts wrappers first on this process's PATH that run the given programs in a network
/// namespace (<c>ip netns exec</c>) and log each call; restores PATH on dispose.
/// </summary>
public sealed class NamespacedTools : IDisposable
{
    private readonly string? _path = Environment.GetEnvironmentVariable("PATH");
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("inspector-netns-tools-");

    private string Log => Path.Combine(_directory.FullName, "calls.log");

    /// <summary>Every call of a wrapped program so far: its name and arguments.</summary>
    public IReadOnlyList<string> Calls => File.Exists(Log) ? File.ReadAllLines(Log) : [];

    public NamespacedTools(string networkNamespace, params string[] programs)
    {
        var ip = DhcpNetwork.Which("ip") ?? throw new InvalidOperationException("no ip");
        foreach (var program in programs)
        {
            var real = DhcpNetwork.Which(program) ?? throw new InvalidOperationException($"no {program}");
            var wrapper = Path.Combine(_directory.FullName, program);
            File.WriteAllText(wrapper,
                $"#!/bin/sh\necho \"{program} $*\" >> '{Log}'\nexec '{ip}' netns exec '{networkNamespace}' '{real}' \"$@\"\n");
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(wrapper, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            }
        }

        Environment.SetEnvironmentVariable("PATH", $"{_directory.FullName}:{_path}");
    }

    public void Dispose()
    {
        Environment.SetEnvironmentVariable("PATH", _path);
        _directory.Delete(recursive: true);
    }
}
