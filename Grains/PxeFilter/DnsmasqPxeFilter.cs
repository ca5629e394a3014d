using Inspector.Grains.Configuration;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Inspector.Grains.PxeFilter;

/// <summary>
/// The <c>dnsmasq</c> driver: one file per MAC in dnsmasq's <c>--dhcp-hostsdir</c>
/// (<c>MAC,ignore</c> denies, <c>MAC</c> allows) and one wildcard file for unknown machines.
/// dnsmasq re-reads changed files itself, but never forgets a deleted file (nor an entry that a
/// rewritten file no longer holds), so every change rewrites an entry for the same MAC: MACs that
/// leave the deny list are rewritten as allowed instead of deleted, and the wildcard file always
/// holds a wildcard entry. MACs that Ironic no longer knows follow the unknown machines. Only
/// changed files are written: a sync costs the number of changes, not the fleet.
/// </summary>
public sealed class DnsmasqPxeFilter(IOptions<DnsmasqPxeFilterOptions> options, ILogger<DnsmasqPxeFilter> logger) : IPxeFilterDriver
{
    public const string UnknownHostsFile = "unknown_hosts_filter";
    private const string DenyUnknown = "*:*:*:*:*:*,ignore\n";
    private const string AllowUnknown = "*:*:*:*:*:*\n";

    // What each file holds now, as far as this process wrote it.
    private readonly Dictionary<string, string> _written = new(StringComparer.Ordinal);
    private string? _unknown;

    private string Directory => options.Value.DhcpHostsdir;

    public async Task InitializeAsync(CancellationToken ct)
    {
        System.IO.Directory.CreateDirectory(Directory);
        _written.Clear();
        _unknown = null;
        foreach (var path in System.IO.Directory.EnumerateFiles(Directory))
        {
            var name = Path.GetFileName(path);
            if (options.Value.PurgeDhcpHostsdir || name.StartsWith('.'))
            {
                File.Delete(path);
            }
            else if (Nodes.LookupAttributes.IsValidMac(name) && name == name.ToLowerInvariant())
            {
                // Kept files are this filter's state: a later sync rewrites only what differs, and
                // MACs that left Ironic meanwhile are handled like any other removed MAC.
                _written[name] = await File.ReadAllTextAsync(path, ct);
            }
        }

        // Until the first sync every machine counts as unknown, and none boots: dnsmasq must never
        // start on a directory that lets the whole fleet in.
        await WriteUnknownAsync(DenyUnknown, ct);
        await ShellCommand.RunAsync(options.Value.DnsmasqStartCommand, logger, ct);
    }

    public async Task SyncAsync(PxeFilterRules rules, CancellationToken ct)
    {
        var changes = 0;
        foreach (var mac in rules.Denied)
        {
            changes += await WriteAsync(mac, $"{mac},ignore\n", ct);
        }

        foreach (var mac in rules.Allowed)
        {
            changes += await WriteAsync(mac, $"{mac}\n", ct);
        }

        // MACs Ironic no longer knows are unknown machines; dnsmasq only forgets their entry
        // when it is rewritten, so it is rewritten rather than deleted.
        var removed = _written.Keys.Where(m => !rules.Denied.Contains(m) && !rules.Allowed.Contains(m)).ToList();
        foreach (var mac in removed)
        {
            changes += await WriteAsync(mac, rules.AllowUnknown ? $"{mac}\n" : $"{mac},ignore\n", ct);
        }

        var unknown = rules.AllowUnknown ? AllowUnknown : DenyUnknown;
        if (unknown != _unknown)
        {
            await WriteUnknownAsync(unknown, ct);
            changes++;
        }

        if (changes > 0)
        {
            logger.LogInformation("dnsmasq PXE filter: {Changes} host files changed ({Allowed} allowed, {Denied} denied, unknown {Unknown})",
                changes, rules.Allowed.Count, rules.Denied.Count, rules.AllowUnknown ? "allowed" : "denied");
        }
    }

    public Task ResetAsync(CancellationToken ct) => ShellCommand.RunAsync(options.Value.DnsmasqStopCommand, logger, ct);

    private async Task<int> WriteAsync(string mac, string content, CancellationToken ct)
    {
        if (_written.TryGetValue(mac, out var current) && current == content)
        {
            return 0;
        }

        await ReplaceAsync(mac, content, ct);
        _written[mac] = content;
        return 1;
    }

    private async Task WriteUnknownAsync(string content, CancellationToken ct)
    {
        await ReplaceAsync(UnknownHostsFile, content, ct);
        _unknown = content;
    }

    /// <summary>Writes then renames, so dnsmasq never reads half a file (it skips dot files).</summary>
    private async Task ReplaceAsync(string name, string content, CancellationToken ct)
    {
        var temporary = Path.Combine(Directory, $".{name}.tmp");
        await File.WriteAllTextAsync(temporary, content, ct);
        File.Move(temporary, Path.Combine(Directory, name), overwrite: true);
    }
}
