using Inspector.Grains.Configuration;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Inspector.Grains.PxeFilter;

/// <summary>
/// The <c>dnsmasq</c> driver: one file per MAC in dnsmasq's <c>--dhcp-hostsdir</c>
/// (<c>MAC,ignore</c> denies, <c>MAC</c> allows) and one wildcard file for unknown machines.
/// dnsmasq re-reads changed files itself, but never forgets a deleted file, so MACs that leave
/// the deny list are rewritten as allowed instead of deleted. Only changed files are written:
/// a sync costs the number of changes, not the fleet.
/// </summary>
public sealed class DnsmasqPxeFilter(IOptions<DnsmasqPxeFilterOptions> options, ILogger<DnsmasqPxeFilter> logger) : IPxeFilterDriver
{
    public const string UnknownHostsFile = "unknown_hosts_filter";
    private const string DenyUnknown = "*:*:*:*:*:*,ignore\n";
    private const string AllowUnknown = "";

    // What each file holds now, as far as this process wrote it.
    private readonly Dictionary<string, string> _written = new(StringComparer.Ordinal);
    private string? _unknown;

    private string Directory => options.Value.DhcpHostsdir;

    public async Task InitializeAsync(CancellationToken ct)
    {
        System.IO.Directory.CreateDirectory(Directory);
        if (options.Value.PurgeDhcpHostsdir)
        {
            foreach (var file in System.IO.Directory.EnumerateFiles(Directory))
            {
                File.Delete(file);
            }
        }

        _written.Clear();
        _unknown = null;
        await ShellCommand.RunAsync(options.Value.DnsmasqStartCommand, logger, ct);
    }

    public async Task SyncAsync(PxeFilterRules rules, CancellationToken ct)
    {
        var changes = 0;
        foreach (var mac in rules.Denied)
        {
            changes += await WriteAsync(mac, $"{mac},ignore\n", ct);
        }

        // Allowed now, or no longer denied: dnsmasq only forgets an entry when it is rewritten.
        foreach (var mac in rules.Allowed.Concat(_written.Keys.Where(m => !rules.Denied.Contains(m)).ToList()))
        {
            changes += await WriteAsync(mac, $"{mac}\n", ct);
        }

        var unknown = rules.AllowUnknown ? AllowUnknown : DenyUnknown;
        if (unknown != _unknown)
        {
            await File.WriteAllTextAsync(Path.Combine(Directory, UnknownHostsFile), unknown, ct);
            _unknown = unknown;
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

        // Write then rename, so dnsmasq never reads half a file.
        var path = Path.Combine(Directory, mac);
        var temporary = Path.Combine(Directory, $".{mac}.tmp");
        await File.WriteAllTextAsync(temporary, content, ct);
        File.Move(temporary, path, overwrite: true);
        _written[mac] = content;
        return 1;
    }
}
