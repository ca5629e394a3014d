namespace Inspector.Grains.Interfaces.Nodes;

/// <summary>
/// The PXE filter's owner: one activation in the whole cluster keeps the DHCP server's view in
/// sync. Every silo pokes it every second, which also brings it back on a live silo when the
/// silo that hosted it dies; it is never on a request path.
/// </summary>
[Alias("inspector.pxe-filter")]
public interface IPxeFilterGrain : IGrainWithIntegerKey
{
    /// <summary>Syncs when nodes went on or off introspection since the last sync, and fully every <c>sync_period</c>.</summary>
    [Alias("sync")]
    Task SyncAsync();
}
