using Inspector.Tests.Infrastructure;

namespace Inspector.Tests.PxeFilter;

/// <summary>
/// REAL: Debian's dnsmasq serves DHCP inside network namespaces made by the spec, with
/// <c>--dhcp-hostsdir</c> managed by an inspector (<c>[pxe_filter] driver = dnsmasq</c>) in front
/// of the emulated Ironic, and dhclient asks for leases with the MACs of the nodes. Only a node on
/// introspection (and, during an introspection, an unknown machine) gets a lease; a node Ironic
/// knows never does, and after the introspection the node's MAC gets none again.
/// Skipped where namespaces cannot be made (not root, no ip/dnsmasq/dhclient), unless CI=true.
/// </summary>
public sealed class DnsmasqDhcpSpecs
{
    private static readonly TimeSpan Soon = TimeSpan.FromSeconds(5);

    [Fact]
    public async Task Only_nodes_on_introspection_and_unknown_machines_during_introspection_get_a_lease_from_dnsmasq()
    {
        await DhcpNetwork.RequireAsync("dnsmasq", "dhclient");
        await using var network = await DhcpNetwork.CreateAsync();
        using var hosts = new HostsDirectory();
        await using var inspector = await InspectorHost.StartAsync(new Dictionary<string, string>
        {
            ["pxe_filter"] = "driver = dnsmasq\nsync_period = 1",
            ["dnsmasq_pxe_filter"] = $"dhcp_hostsdir = {hosts.Path}",
        });
        var introspected = InspectorHost.RandomMac();
        var deployed = InspectorHost.RandomMac();
        var unknown = InspectorHost.RandomMac();
        var node = inspector.AddNode(mac: introspected);
        inspector.Ironic.AddNode(provisionState: "active", macs: [deployed]);
        await Eventually.HoldsAsync(
            () => hosts.Entry(introspected) == HostsDirectory.Denied(introspected) && hosts.Entry(deployed) == HostsDirectory.Denied(deployed),
            Soon, () => $"not denied yet: {string.Join(", ", hosts.Files)}");
        await network.StartDnsmasqAsync(hosts.Path);

        // No introspection: the node is just one more machine Ironic knows.
        await NoLeaseAsync(network, introspected);

        (await inspector.StartIntrospectionAsync(node)).EnsureSuccessStatusCode();
        await Eventually.HoldsAsync(() => hosts.Entry(introspected) == HostsDirectory.Allowed(introspected), Soon, () => $"{introspected} not allowed yet");
        await LeaseAsync(network, introspected);
        await LeaseAsync(network, unknown);
        await NoLeaseAsync(network, deployed);

        (await inspector.Client.PostAsync($"/v1/introspection/{node}/abort", null)).EnsureSuccessStatusCode();
        await inspector.WaitForStateAsync(node, "error");
        await Eventually.HoldsAsync(() => hosts.Entry(introspected) == HostsDirectory.Denied(introspected), Soon, () => $"{introspected} not denied again");
        await NoLeaseAsync(network, introspected);
        await NoLeaseAsync(network, unknown);
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
