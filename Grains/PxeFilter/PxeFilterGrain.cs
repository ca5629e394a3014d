using Inspector.Grains.Configuration;
using Inspector.Grains.Interfaces.Nodes;
using Inspector.Grains.Ironic;
using Inspector.Grains.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Inspector.Grains.PxeFilter;

[GrainType("pxe-filter")]
public sealed class PxeFilterGrain(
    IServiceProvider services,
    INodeStore store,
    IronicClient ironic,
    IOptions<PxeFilterOptions> options,
    IOptions<IptablesOptions> iptables,
    IOptions<ProcessingOptions> processing,
    TimeProvider time,
    ILogger<PxeFilterGrain> logger) : Grain, IPxeFilterGrain
{
    private IPxeFilterDriver? _driver;
    private IReadOnlyDictionary<string, string?> _known = new Dictionary<string, string?>();
    private DateTimeOffset _knownAt = DateTimeOffset.MinValue;
    private (IReadOnlySet<string> Macs, bool Running)? _lastActive;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _driver = options.Value.Driver switch
        {
            "dnsmasq" => ActivatorUtilities.CreateInstance<DnsmasqPxeFilter>(services),
            "iptables" => ActivatorUtilities.CreateInstance<IptablesPxeFilter>(services),
            _ => null,
        };
        if (_driver is not null)
        {
            await _driver.InitializeAsync(cancellationToken);
            logger.LogInformation("PXE filter {Driver} initialised", options.Value.Driver);
        }
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        if (_driver is not null)
        {
            await _driver.ResetAsync(cancellationToken);
        }
    }

    public async Task SyncAsync()
    {
        if (_driver is null)
        {
            return;
        }

        var active = await store.ActiveMacsAsync();
        var fullSyncDue = time.GetUtcNow() - _knownAt >= TimeSpan.FromSeconds(Math.Max(1, options.Value.SyncPeriod));
        var changed = _lastActive is not { } last || last.Running != active.IntrospectionRunning || !last.Macs.SetEquals(active.Macs);
        if (!changed && !fullSyncDue)
        {
            return;
        }

        if (fullSyncDue)
        {
            try
            {
                // Timed from the request, so a listing every sync_period stays every sync_period.
                var listedAt = time.GetUtcNow();
                _known = await ironic.ListPortAddressesAsync();
                _knownAt = listedAt;
            }
            catch (IronicException e)
            {
                // Keep filtering with the MACs known so far; the next period tries again.
                logger.LogWarning("Cannot list Ironic ports for the PXE filter: {Error}", e.Message);
            }
        }

        var rules = PxeFilterPolicy.Decide(active.Macs, _known.Keys.ToHashSet(), active.IntrospectionRunning, options.Value.DenyUnknownMacs,
            discoveryEnabled: processing.Value.NodeNotFoundHook.Length > 0);
        if (options.Value.Driver == "iptables" && iptables.Value.EthoibInterfaces.Count > 0)
        {
            // InfiniBand ports reach DHCP through EoIB interfaces: deny their EoIB MACs.
            var emacs = EthoibMapping.Map(_known, iptables.Value.EthoibInterfaces,
                path => File.Exists(path) ? File.ReadAllText(path) : null);
            rules = rules with { Denied = rules.Denied.Select(m => emacs.GetValueOrDefault(m, m)).ToHashSet(StringComparer.Ordinal) };
        }

        await _driver.SyncAsync(rules, CancellationToken.None);
        _lastActive = (active.Macs, active.IntrospectionRunning);
    }
}
