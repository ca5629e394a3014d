using Inspector.Grains.Configuration;
using Inspector.Grains.PxeFilter;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Inspector.Tests.PxeFilter;

/// <summary>
/// The <c>dnsmasq</c> driver on its own, against a temporary hosts directory: one file per MAC
/// (<c>MAC,ignore</c> denies, <c>MAC</c> allows), the wildcard file for unknown machines, and
/// only changed files written. dnsmasq never forgets an entry it has read, so entries are
/// rewritten, never deleted.
/// </summary>
public sealed class DnsmasqPxeFilterSpecs : IDisposable
{
    private const string A = "52:54:00:00:00:0a";
    private const string B = "52:54:00:00:00:0b";
    private const string C = "52:54:00:00:00:0c";

    private readonly HostsDirectory _hosts = new();

    public void Dispose() => _hosts.Dispose();

    private DnsmasqPxeFilter Filter(bool purge = true, string start = "", string stop = "") =>
        new(Options.Create(new DnsmasqPxeFilterOptions
        {
            DhcpHostsdir = _hosts.Path,
            PurgeDhcpHostsdir = purge,
            DnsmasqStartCommand = start,
            DnsmasqStopCommand = stop,
        }), NullLogger<DnsmasqPxeFilter>.Instance);

    private static PxeFilterRules Rules(IEnumerable<string> allowed, IEnumerable<string> denied, bool allowUnknown) =>
        new(allowed.ToHashSet(), denied.ToHashSet(), allowUnknown);

    private static async Task<DnsmasqPxeFilter> InitializedAsync(DnsmasqPxeFilter filter)
    {
        await filter.InitializeAsync(TestContext.Current.CancellationToken);
        return filter;
    }

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Initialize_creates_a_missing_hosts_directory()
    {
        await InitializedAsync(Filter());

        Assert.True(Directory.Exists(_hosts.Path));
    }

    [Fact]
    public async Task Initialize_purges_every_file_of_the_hosts_directory()
    {
        _hosts.Write(A, HostsDirectory.Allowed(A));
        _hosts.Write(B, HostsDirectory.Denied(B));
        _hosts.Write("left-by-someone-else", "52:54:00:00:00:ff\n");

        await InitializedAsync(Filter());

        Assert.Null(_hosts.Entry(A));
        Assert.Null(_hosts.Entry(B));
        Assert.Null(_hosts.Entry("left-by-someone-else"));
    }

    [Fact]
    public async Task Initialize_keeps_the_files_when_purge_dhcp_hostsdir_is_false()
    {
        _hosts.Write(A, HostsDirectory.Allowed(A));
        _hosts.Write(B, HostsDirectory.Denied(B));

        await InitializedAsync(Filter(purge: false));

        Assert.Equal(HostsDirectory.Allowed(A), _hosts.Entry(A));
        Assert.Equal(HostsDirectory.Denied(B), _hosts.Entry(B));
    }

    [Fact]
    public async Task Until_the_first_sync_unknown_machines_are_denied_so_dnsmasq_never_starts_open_to_the_fleet()
    {
        await InitializedAsync(Filter(start: $"cp {_hosts.Path}/{HostsDirectory.UnknownHostsFile} {_hosts.Scratch}/seen-at-start"));

        Assert.Equal(HostsDirectory.DenyUnknown, _hosts.Unknown);
        Assert.Equal(HostsDirectory.DenyUnknown, File.ReadAllText(Path.Combine(_hosts.Scratch, "seen-at-start")));
    }

    [Fact]
    public async Task Sync_writes_ignore_for_denied_macs_a_plain_entry_for_allowed_ones_and_denies_unknown_machines()
    {
        var filter = await InitializedAsync(Filter());

        await filter.SyncAsync(Rules(allowed: [A], denied: [B, C], allowUnknown: false), Ct);

        Assert.Equal(HostsDirectory.Allowed(A), _hosts.Entry(A));
        Assert.Equal(HostsDirectory.Denied(B), _hosts.Entry(B));
        Assert.Equal(HostsDirectory.Denied(C), _hosts.Entry(C));
        Assert.Equal(HostsDirectory.DenyUnknown, _hosts.Unknown);
        Assert.Equal([A, B, C, HostsDirectory.UnknownHostsFile], _hosts.Files);
    }

    [Fact]
    public async Task Allowing_unknown_machines_rewrites_the_wildcard_as_an_entry_without_ignore()
    {
        // An empty file would not do: dnsmasq keeps the wildcard ignore it read before.
        var filter = await InitializedAsync(Filter());
        await filter.SyncAsync(Rules(allowed: [], denied: [B], allowUnknown: false), Ct);

        await filter.SyncAsync(Rules(allowed: [A], denied: [B], allowUnknown: true), Ct);

        Assert.Equal(HostsDirectory.AllowUnknown, _hosts.Unknown);
    }

    [Fact]
    public async Task A_second_sync_with_the_same_rules_writes_nothing()
    {
        var filter = await InitializedAsync(Filter());
        var rules = Rules(allowed: [A], denied: [B, C], allowUnknown: true);
        await filter.SyncAsync(rules, Ct);
        _hosts.Backdate();

        await filter.SyncAsync(Rules(allowed: [A], denied: [B, C], allowUnknown: true), Ct);
        await filter.SyncAsync(rules, Ct);

        Assert.Empty(_hosts.Rewritten());
    }

    [Fact]
    public async Task A_change_rewrites_only_the_files_of_the_macs_that_changed()
    {
        var filter = await InitializedAsync(Filter());
        await filter.SyncAsync(Rules(allowed: [], denied: [A, B, C], allowUnknown: false), Ct);
        _hosts.Backdate();

        await filter.SyncAsync(Rules(allowed: [B], denied: [A, C], allowUnknown: false), Ct);

        Assert.Equal([B], _hosts.Rewritten());
        Assert.Equal(HostsDirectory.Allowed(B), _hosts.Entry(B));
    }

    [Fact]
    public async Task Unknown_machines_becoming_allowed_rewrites_only_the_wildcard_file()
    {
        var filter = await InitializedAsync(Filter());
        await filter.SyncAsync(Rules(allowed: [], denied: [A, B], allowUnknown: false), Ct);
        _hosts.Backdate();

        await filter.SyncAsync(Rules(allowed: [], denied: [A, B], allowUnknown: true), Ct);

        Assert.Equal([HostsDirectory.UnknownHostsFile], _hosts.Rewritten());
    }

    [Fact]
    public async Task A_mac_that_leaves_the_deny_list_for_introspection_is_rewritten_as_allowed_not_deleted()
    {
        var filter = await InitializedAsync(Filter());
        await filter.SyncAsync(Rules(allowed: [], denied: [A, B], allowUnknown: false), Ct);

        await filter.SyncAsync(Rules(allowed: [A], denied: [B], allowUnknown: true), Ct);

        Assert.Equal(HostsDirectory.Allowed(A), _hosts.Entry(A));
    }

    [Fact]
    public async Task A_mac_that_ironic_forgets_is_rewritten_as_allowed_while_unknown_machines_may_boot()
    {
        var filter = await InitializedAsync(Filter());
        await filter.SyncAsync(Rules(allowed: [], denied: [A, B], allowUnknown: false), Ct);

        await filter.SyncAsync(Rules(allowed: [C], denied: [B], allowUnknown: true), Ct);

        Assert.Equal(HostsDirectory.Allowed(A), _hosts.Entry(A));
    }

    [Fact]
    public async Task A_mac_that_ironic_forgets_is_treated_like_an_unknown_machine_and_denied_while_none_may_boot()
    {
        // It was allowed during its introspection; after that, an allow entry would outrank the
        // wildcard ignore and let the machine boot the ramdisk forever.
        var filter = await InitializedAsync(Filter());
        await filter.SyncAsync(Rules(allowed: [A], denied: [B], allowUnknown: true), Ct);

        await filter.SyncAsync(Rules(allowed: [], denied: [B], allowUnknown: false), Ct);

        Assert.Equal(HostsDirectory.Denied(A), _hosts.Entry(A));
        Assert.Equal(HostsDirectory.DenyUnknown, _hosts.Unknown);
    }

    [Fact]
    public async Task A_forgotten_mac_follows_unknown_machines_back_and_forth()
    {
        var filter = await InitializedAsync(Filter());
        await filter.SyncAsync(Rules(allowed: [], denied: [A, B], allowUnknown: false), Ct);
        await filter.SyncAsync(Rules(allowed: [], denied: [B], allowUnknown: false), Ct);
        Assert.Equal(HostsDirectory.Denied(A), _hosts.Entry(A));

        await filter.SyncAsync(Rules(allowed: [C], denied: [B], allowUnknown: true), Ct);
        Assert.Equal(HostsDirectory.Allowed(A), _hosts.Entry(A));

        await filter.SyncAsync(Rules(allowed: [], denied: [B, C], allowUnknown: false), Ct);
        Assert.Equal(HostsDirectory.Denied(A), _hosts.Entry(A));
    }

    [Fact]
    public async Task A_mac_going_back_on_the_deny_list_after_introspection_is_rewritten_as_ignore()
    {
        var filter = await InitializedAsync(Filter());
        await filter.SyncAsync(Rules(allowed: [A], denied: [B], allowUnknown: true), Ct);
        _hosts.Backdate();

        await filter.SyncAsync(Rules(allowed: [], denied: [A, B], allowUnknown: false), Ct);

        Assert.Equal(HostsDirectory.Denied(A), _hosts.Entry(A));
        Assert.Equal([A, HostsDirectory.UnknownHostsFile], _hosts.Rewritten());
    }

    [Fact]
    public async Task Without_purge_a_restarted_filter_rewrites_only_what_differs_from_the_kept_files()
    {
        var first = await InitializedAsync(Filter(purge: false));
        await first.SyncAsync(Rules(allowed: [A], denied: [B, C], allowUnknown: true), Ct);
        _hosts.Backdate();

        var second = await InitializedAsync(Filter(purge: false));
        await second.SyncAsync(Rules(allowed: [], denied: [A, B, C], allowUnknown: false), Ct);

        Assert.Equal([A, HostsDirectory.UnknownHostsFile], _hosts.Rewritten());
        Assert.Equal(HostsDirectory.Denied(A), _hosts.Entry(A));
    }

    [Fact]
    public async Task Without_purge_a_kept_allow_entry_of_a_mac_that_ironic_forgot_is_denied()
    {
        _hosts.Write(A, HostsDirectory.Allowed(A));

        var filter = await InitializedAsync(Filter(purge: false));
        await filter.SyncAsync(Rules(allowed: [], denied: [B], allowUnknown: false), Ct);

        Assert.Equal(HostsDirectory.Denied(A), _hosts.Entry(A));
    }

    [Fact]
    public async Task Without_purge_files_that_are_not_mac_entries_are_left_alone()
    {
        _hosts.Write("operator-notes", "52:54:00:00:00:ff,192.0.2.5\n");

        var filter = await InitializedAsync(Filter(purge: false));
        await filter.SyncAsync(Rules(allowed: [], denied: [B], allowUnknown: false), Ct);

        Assert.Equal("52:54:00:00:00:ff,192.0.2.5\n", _hosts.Entry("operator-notes"));
    }

    [Fact]
    public async Task A_sync_leaves_no_temporary_files_behind()
    {
        var filter = await InitializedAsync(Filter());
        await filter.SyncAsync(Rules(allowed: [A], denied: [B], allowUnknown: true), Ct);
        await filter.SyncAsync(Rules(allowed: [], denied: [A, B], allowUnknown: false), Ct);

        Assert.Empty(Directory.EnumerateFileSystemEntries(_hosts.Path, ".*"));
    }

    [Fact]
    public async Task Initialize_runs_the_start_command_and_reset_the_stop_command()
    {
        var started = Path.Combine(_hosts.Scratch, "started");
        var stopped = Path.Combine(_hosts.Scratch, "stopped");
        var filter = Filter(start: $"touch '{started}'", stop: $"touch '{stopped}'");

        await filter.InitializeAsync(Ct);
        Assert.True(File.Exists(started));
        Assert.False(File.Exists(stopped));

        await filter.ResetAsync(Ct);
        Assert.True(File.Exists(stopped));
    }

    [Fact]
    public async Task The_start_command_runs_after_the_purge()
    {
        _hosts.Write(A, HostsDirectory.Allowed(A));
        var listing = Path.Combine(_hosts.Scratch, "listing");

        await InitializedAsync(Filter(start: $"ls -A '{_hosts.Path}' > '{listing}'"));

        Assert.DoesNotContain(A, File.ReadAllText(listing), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_failing_start_command_fails_the_initialisation()
    {
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => Filter(start: "echo no dnsmasq here >&2; exit 3").InitializeAsync(Ct));

        Assert.Contains("exit code 3", error.Message, StringComparison.Ordinal);
        Assert.Contains("no dnsmasq here", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Empty_start_and_stop_commands_run_nothing()
    {
        var filter = await InitializedAsync(Filter());

        await filter.ResetAsync(Ct);
    }
}
