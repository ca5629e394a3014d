namespace Inspector.Grains.PxeFilter;

/// <summary>Puts <see cref="PxeFilterRules"/> into effect on a DHCP server (<c>[pxe_filter] driver</c>).</summary>
public interface IPxeFilterDriver
{
    /// <summary>Prepares the filter (e.g. purges the hosts directory, starts dnsmasq).</summary>
    Task InitializeAsync(CancellationToken ct);

    /// <summary>Brings the filter to these rules, changing only what differs from the last sync.</summary>
    Task SyncAsync(PxeFilterRules rules, CancellationToken ct);

    /// <summary>Undoes what the filter set up (service shutdown).</summary>
    Task ResetAsync(CancellationToken ct);
}
