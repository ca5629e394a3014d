using System.Text;
using Inspector.Grains.Configuration;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Inspector.Grains.PxeFilter;

/// <summary>
/// The <c>iptables</c> driver: DHCP requests arriving on <c>dnsmasq_interface</c> go through a
/// chain (<c>firewall_chain</c>) that drops denied MACs and, unless unknown machines may boot,
/// everything but the MACs on introspection. A changed rule set is loaded into a new chain with
/// one <c>iptables-restore</c> and swapped in, so the filter is never half-written; an unchanged
/// one costs nothing.
/// </summary>
public sealed class IptablesPxeFilter(IOptions<IptablesOptions> options, ILogger<IptablesPxeFilter> logger) : IPxeFilterDriver
{
    private PxeFilterRules? _applied;

    private IptablesOptions Options => options.Value;

    private string Tool => Options.IpVersion == "6" ? "ip6tables" : "iptables";

    private string DhcpPort => Options.IpVersion == "6" ? "547" : "67";

    private string Jump(string chain) => $"INPUT -i {Options.DnsmasqInterface} -p udp --dport {DhcpPort} -j {chain}";

    public async Task InitializeAsync(CancellationToken ct)
    {
        await RemoveAsync(Options.FirewallChain, ct);
        await RemoveAsync(Options.FirewallChain + "_temp", ct);
        await RunAsync($"-N {Options.FirewallChain}", ct);
        // Until the first sync, nothing boots.
        await RunAsync($"-A {Options.FirewallChain} -j DROP", ct);
        await RunAsync($"-I {Jump(Options.FirewallChain)}", ct);
        _applied = null;
    }

    public async Task SyncAsync(PxeFilterRules rules, CancellationToken ct)
    {
        if (_applied is { } applied && applied.AllowUnknown == rules.AllowUnknown
            && applied.Allowed.SetEquals(rules.Allowed) && applied.Denied.SetEquals(rules.Denied))
        {
            return;
        }

        var chain = Options.FirewallChain;
        var temporary = chain + "_temp";
        await RemoveAsync(temporary, ct);
        var restore = new StringBuilder("*filter\n").Append($":{temporary} - [0:0]\n");
        foreach (var mac in rules.Denied.Order(StringComparer.Ordinal))
        {
            restore.Append($"-A {temporary} -m mac --mac-source {mac} -j DROP\n");
        }

        if (!rules.AllowUnknown)
        {
            foreach (var mac in rules.Allowed.Order(StringComparer.Ordinal))
            {
                restore.Append($"-A {temporary} -m mac --mac-source {mac} -j ACCEPT\n");
            }
        }

        restore.Append($"-A {temporary} -j {(rules.AllowUnknown ? "ACCEPT" : "DROP")}\nCOMMIT\n");
        await ShellCommand.RunAsync($"{Tool}-restore --noflush", logger, ct, restore.ToString());

        // Swap: the new chain takes the DHCP traffic before the old one goes.
        await RunAsync($"-I {Jump(temporary)}", ct);
        await RemoveAsync(chain, ct);
        await RunAsync($"-E {temporary} {chain}", ct);
        _applied = rules;
        logger.LogInformation("iptables PXE filter: {Allowed} allowed, {Denied} denied, unknown {Unknown}",
            rules.Allowed.Count, rules.Denied.Count, rules.AllowUnknown ? "allowed" : "denied");
    }

    public async Task ResetAsync(CancellationToken ct)
    {
        await RemoveAsync(Options.FirewallChain, ct);
        await RemoveAsync(Options.FirewallChain + "_temp", ct);
    }

    /// <summary>Unhooks and deletes a chain, if there is one.</summary>
    private async Task RemoveAsync(string chain, CancellationToken ct)
    {
        await RunQuietlyAsync($"-D {Jump(chain)}", ct);
        await RunQuietlyAsync($"-F {chain}", ct);
        await RunQuietlyAsync($"-X {chain}", ct);
    }

    private Task RunAsync(string arguments, CancellationToken ct) => ShellCommand.RunAsync($"{Tool} -w {arguments}", logger, ct);

    private async Task RunQuietlyAsync(string arguments, CancellationToken ct)
    {
        try
        {
            await RunAsync(arguments, ct);
        }
        catch (InvalidOperationException)
        {
            // Nothing to remove.
        }
    }
}
