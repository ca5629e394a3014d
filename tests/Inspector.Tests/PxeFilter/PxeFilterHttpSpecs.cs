using Inspector.Tests.Infrastructure;

namespace Inspector.Tests.PxeFilter;

/// <summary>
/// A whole inspector with <c>[pxe_filter] driver = dnsmasq</c> in front of the emulated Ironic:
/// the hosts directory follows Ironic's ports and the introspections within seconds, and a sync
/// costs the number of changes, not the fleet.
/// </summary>
public sealed class PxeFilterHttpSpecs : IDisposable
{
    /// <summary>Starts, finishes and aborts reach the filter this fast (it polls every second).</summary>
    private static readonly TimeSpan Soon = TimeSpan.FromSeconds(3);

    /// <summary>Ports added to Ironic reach the filter within a full sync (<c>sync_period = 1</c>) or two.</summary>
    private static readonly TimeSpan WithinSyncPeriods = TimeSpan.FromSeconds(4);

    private readonly HostsDirectory _hosts = new();

    public void Dispose() => _hosts.Dispose();

    private Task<InspectorHost> StartInspectorAsync(string pxeFilter = "", string dnsmasq = "", string processing = "") =>
        InspectorHost.StartAsync(new Dictionary<string, string>
        {
            ["pxe_filter"] = $"driver = dnsmasq\nsync_period = 1\n{pxeFilter}",
            ["dnsmasq_pxe_filter"] = $"dhcp_hostsdir = {_hosts.Path}\n{dnsmasq}",
            ["processing"] = processing,
        });

    private Task EntryBecomesAsync(string name, string? content, TimeSpan within) =>
        Eventually.HoldsAsync(() => _hosts.Entry(name) == content, within,
            () => $"{name} holds {Show(_hosts.Entry(name))}, not {Show(content)}; {_hosts.Files.Count} files: {string.Join(", ", _hosts.Files.Take(10))}");

    private static string Show(string? content) => content is null ? "nothing" : $"'{content.TrimEnd()}'";

    private static async Task AbortAsync(InspectorHost host, string node)
    {
        (await host.Client.PostAsync($"/v1/introspection/{node}/abort", null)).EnsureSuccessStatusCode();
        await host.WaitForStateAsync(node, "error");
    }

    [Fact]
    public async Task Macs_known_to_ironic_are_denied_and_unknown_machines_too_within_seconds()
    {
        await using var host = await StartInspectorAsync();
        var a = InspectorHost.RandomMac();
        var b = InspectorHost.RandomMac();
        var c = InspectorHost.RandomMac();
        host.AddNode(mac: a);
        host.Ironic.AddNode(macs: [b, c]);

        await EntryBecomesAsync(a, HostsDirectory.Denied(a), WithinSyncPeriods);
        await EntryBecomesAsync(b, HostsDirectory.Denied(b), Soon);
        await EntryBecomesAsync(c, HostsDirectory.Denied(c), Soon);
        Assert.Equal(HostsDirectory.DenyUnknown, _hosts.Unknown);
    }

    [Fact]
    public async Task Starting_introspection_allows_the_nodes_macs_and_unknown_machines_and_abort_denies_them_again()
    {
        await using var host = await StartInspectorAsync();
        var mac = InspectorHost.RandomMac();
        var bystander = InspectorHost.RandomMac();
        var node = host.AddNode(mac: mac);
        host.AddNode(mac: bystander);
        await EntryBecomesAsync(mac, HostsDirectory.Denied(mac), WithinSyncPeriods);

        await (await host.StartIntrospectionAsync(node)).AssertAcceptedAsync();
        await EntryBecomesAsync(mac, HostsDirectory.Allowed(mac), Soon);
        await EntryBecomesAsync(HostsDirectory.UnknownHostsFile, HostsDirectory.AllowUnknown, Soon);
        Assert.Equal(HostsDirectory.Denied(bystander), _hosts.Entry(bystander));

        await AbortAsync(host, node);
        await EntryBecomesAsync(mac, HostsDirectory.Denied(mac), Soon);
        await EntryBecomesAsync(HostsDirectory.UnknownHostsFile, HostsDirectory.DenyUnknown, Soon);
        Assert.Equal(HostsDirectory.Denied(bystander), _hosts.Entry(bystander));
    }

    [Fact]
    public async Task A_finished_introspection_denies_the_nodes_macs_again()
    {
        await using var host = await StartInspectorAsync();
        var mac = InspectorHost.RandomMac();
        var node = await host.StartedNodeAsync(mac);
        await EntryBecomesAsync(mac, HostsDirectory.Allowed(mac), Soon);

        (await host.PostContinueAsync(RamdiskPayloads.Ipa(mac))).EnsureSuccessStatusCode();
        await host.WaitForStateAsync(node, "finished");

        await EntryBecomesAsync(mac, HostsDirectory.Denied(mac), Soon);
        await EntryBecomesAsync(HostsDirectory.UnknownHostsFile, HostsDirectory.DenyUnknown, Soon);
    }

    [Fact]
    public async Task Unknown_machines_stay_allowed_while_any_introspection_still_runs()
    {
        await using var host = await StartInspectorAsync();
        var first = InspectorHost.RandomMac();
        var second = InspectorHost.RandomMac();
        var firstNode = await host.StartedNodeAsync(first);
        await host.StartedNodeAsync(second);
        await EntryBecomesAsync(second, HostsDirectory.Allowed(second), Soon);

        await AbortAsync(host, firstNode);
        await EntryBecomesAsync(first, HostsDirectory.Denied(first), Soon);

        Assert.Equal(HostsDirectory.AllowUnknown, _hosts.Unknown);
        Assert.Equal(HostsDirectory.Allowed(second), _hosts.Entry(second));
    }

    [Fact]
    public async Task Deny_unknown_macs_keeps_unknown_machines_denied_while_introspecting()
    {
        await using var host = await StartInspectorAsync(pxeFilter: "deny_unknown_macs = true");
        var mac = InspectorHost.RandomMac();
        await host.StartedNodeAsync(mac);

        await EntryBecomesAsync(mac, HostsDirectory.Allowed(mac), Soon);
        Assert.Equal(HostsDirectory.DenyUnknown, _hosts.Unknown);
        await Task.Delay(TimeSpan.FromSeconds(1.5), TestContext.Current.CancellationToken);
        Assert.Equal(HostsDirectory.DenyUnknown, _hosts.Unknown);
    }

    [Fact]
    public async Task With_discovery_enabled_unknown_machines_may_boot_without_any_introspection()
    {
        // As the reference: with a node_not_found_hook an unknown machine that PXE boots is
        // enrolled, so it must get the ramdisk at any time; known machines stay denied.
        await using var host = await StartInspectorAsync(processing: "node_not_found_hook = enroll");
        var mac = InspectorHost.RandomMac();
        host.AddNode(mac: mac);

        await EntryBecomesAsync(mac, HostsDirectory.Denied(mac), WithinSyncPeriods);
        await EntryBecomesAsync(HostsDirectory.UnknownHostsFile, HostsDirectory.AllowUnknown, Soon);
    }

    [Fact]
    public async Task A_mac_deleted_from_ironic_boots_like_an_unknown_machine_only_while_introspection_runs()
    {
        await using var host = await StartInspectorAsync();
        var mac = InspectorHost.RandomMac();
        var node = host.AddNode(mac: mac);
        await EntryBecomesAsync(mac, HostsDirectory.Denied(mac), WithinSyncPeriods);

        host.Ironic.RemoveNode(node);
        var other = await host.StartedNodeAsync(InspectorHost.RandomMac());
        await EntryBecomesAsync(mac, HostsDirectory.Allowed(mac), WithinSyncPeriods);
        Assert.Equal(HostsDirectory.AllowUnknown, _hosts.Unknown);

        await AbortAsync(host, other);
        await EntryBecomesAsync(HostsDirectory.UnknownHostsFile, HostsDirectory.DenyUnknown, Soon);
        await EntryBecomesAsync(mac, HostsDirectory.Denied(mac), Soon);
    }

    [Fact]
    public async Task Start_up_purges_the_hosts_directory_runs_the_start_command_and_shutdown_the_stop_command()
    {
        var stale = "52:54:00:ff:ff:01";
        _hosts.Write(stale, HostsDirectory.Allowed(stale));
        var started = Path.Combine(_hosts.Scratch, "started");
        var stopped = Path.Combine(_hosts.Scratch, "stopped");

        var host = await StartInspectorAsync(dnsmasq: $"dnsmasq_start_command = touch {started}\ndnsmasq_stop_command = touch {stopped}");
        try
        {
            await Eventually.HoldsAsync(() => File.Exists(started), Soon, () => "the start command did not run");
            await EntryBecomesAsync(HostsDirectory.UnknownHostsFile, HostsDirectory.DenyUnknown, Soon);
            Assert.Null(_hosts.Entry(stale));
            Assert.False(File.Exists(stopped));
        }
        finally
        {
            await host.DisposeAsync();
        }

        Assert.True(File.Exists(stopped), "the stop command did not run at shutdown");
    }

    [Fact]
    public async Task A_periodic_sync_that_changes_nothing_writes_nothing()
    {
        await using var host = await StartInspectorAsync();
        var macs = Enumerable.Range(0, 20).Select(_ => InspectorHost.RandomMac()).ToList();
        foreach (var mac in macs)
        {
            host.AddNode(mac: mac);
        }

        await Eventually.HoldsAsync(() => macs.All(m => _hosts.Entry(m) == HostsDirectory.Denied(m)), WithinSyncPeriods, () => "not all denied");
        _hosts.Backdate();
        host.Ironic.ClearCalls();

        // Several full syncs (sync_period = 1) against Ironic's port list.
        await Eventually.HoldsAsync(() => host.Ironic.Calls.Count(c => c.Path.StartsWith("/v1/ports", StringComparison.Ordinal)) >= 2,
            WithinSyncPeriods, () => "no periodic sync listed Ironic's ports twice");

        Assert.Empty(_hosts.Rewritten());
    }

    [Fact]
    public async Task With_thousands_of_known_macs_starting_and_aborting_one_node_rewrites_one_or_two_files()
    {
        await using var host = await StartInspectorAsync();
        var fleet = Enumerable.Range(0, 1000).Select(i => (First: Mac(2 * i), Second: Mac(2 * i + 1))).ToList();
        foreach (var (first, second) in fleet)
        {
            host.Ironic.AddNode(provisionState: "active", macs: [first, second]);
        }

        var mac = InspectorHost.RandomMac();
        var node = host.AddNode(mac: mac);
        await Eventually.HoldsAsync(() => _hosts.Files.Count == 2 * fleet.Count + 2, TimeSpan.FromSeconds(10),
            () => $"{_hosts.Files.Count} files");
        Assert.Equal(HostsDirectory.Denied(Mac(1999)), _hosts.Entry(Mac(1999)));
        _hosts.Backdate();

        await (await host.StartIntrospectionAsync(node)).AssertAcceptedAsync();
        await EntryBecomesAsync(mac, HostsDirectory.Allowed(mac), Soon);
        await EntryBecomesAsync(HostsDirectory.UnknownHostsFile, HostsDirectory.AllowUnknown, Soon);
        await Task.Delay(TimeSpan.FromSeconds(1.5), TestContext.Current.CancellationToken); // a full sync more
        Assert.Equal(new[] { mac, HostsDirectory.UnknownHostsFile }.Order(StringComparer.Ordinal), _hosts.Rewritten());

        _hosts.Backdate();
        await AbortAsync(host, node);
        await EntryBecomesAsync(mac, HostsDirectory.Denied(mac), Soon);
        await EntryBecomesAsync(HostsDirectory.UnknownHostsFile, HostsDirectory.DenyUnknown, Soon);
        await Task.Delay(TimeSpan.FromSeconds(1.5), TestContext.Current.CancellationToken);
        Assert.Equal(new[] { mac, HostsDirectory.UnknownHostsFile }.Order(StringComparer.Ordinal), _hosts.Rewritten());

        static string Mac(int i) => $"52:54:01:00:{i / 256:x2}:{i % 256:x2}";
    }
}
