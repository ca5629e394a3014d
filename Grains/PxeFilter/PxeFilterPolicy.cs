namespace Inspector.Grains.PxeFilter;

/// <summary>What the inspection network's DHCP server may answer.</summary>
/// <param name="Allowed">MACs of nodes on introspection: they boot the ramdisk.</param>
/// <param name="Denied">Every other MAC Ironic knows: a deployed node that reboots never boots into introspection.</param>
/// <param name="AllowUnknown">Whether machines Ironic does not know may boot (discovery).</param>
public sealed record PxeFilterRules(IReadOnlySet<string> Allowed, IReadOnlySet<string> Denied, bool AllowUnknown);

public static class PxeFilterPolicy
{
    /// <summary>
    /// MACs on introspection are allowed; every other MAC known to Ironic is denied; unknown
    /// MACs are allowed only while some introspection runs or discovery (<c>node_not_found_hook</c>)
    /// is on, and never with <c>deny_unknown_macs</c>.
    /// </summary>
    public static PxeFilterRules Decide(
        IReadOnlySet<string> onIntrospection, IReadOnlySet<string> knownToIronic, bool introspectionRunning, bool denyUnknownMacs,
        bool discoveryEnabled = false)
    {
        var allowed = onIntrospection.Select(m => m.ToLowerInvariant()).ToHashSet(StringComparer.Ordinal);
        var denied = knownToIronic.Select(m => m.ToLowerInvariant()).Where(m => !allowed.Contains(m)).ToHashSet(StringComparer.Ordinal);
        return new PxeFilterRules(allowed, denied, (introspectionRunning || discoveryEnabled) && !denyUnknownMacs);
    }
}
