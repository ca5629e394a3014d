using Inspector.Grains.PxeFilter;

namespace Inspector.Tests.PxeFilter;

public sealed class EthoibMappingSpecs
{
    private const string Neighbours =
        "EMAC=02:00:02:97:00:01 IMAC=97:fe:80:00:00:00:00:00:00:7c:fe:90:03:00:29:26:52\n" +
        "EMAC=02:00:00:61:00:02 IMAC=61:fe:80:00:00:00:00:00:00:7c:fe:90:03:00:29:24:4f\n";

    private const string InfinibandPort = "7c:fe:90:29:24:4f";
    private const string ClientId = "ff:00:00:00:00:00:02:00:00:02:c9:00:7c:fe:90:03:00:29:24:4f";

    private static string? Files(string path) => path == "/sys/class/net/eth0/eth/neighs" ? Neighbours : null;

    [Fact]
    public void An_infiniband_port_is_filtered_by_the_eoib_mac_whose_guid_ends_its_client_id()
    {
        var ports = new Dictionary<string, string?> { [InfinibandPort] = ClientId, ["aa:bb:cc:dd:ee:ff"] = null };
        var mapping = EthoibMapping.Map(ports, ["eth0"], Files);
        Assert.Equal(new Dictionary<string, string> { [InfinibandPort] = "02:00:00:61:00:02" }, mapping);
    }

    [Fact]
    public void A_client_id_with_an_unknown_guid_keeps_its_port_address()
    {
        var ports = new Dictionary<string, string?> { [InfinibandPort] = "ff:00:00:00:00:00:02:00:00:02:c9:00:11:22:33:44:55:66:77:88" };
        Assert.Empty(EthoibMapping.Map(ports, ["eth0"], Files));
    }

    [Fact]
    public void An_interface_without_a_neighbour_file_is_not_ethernet_over_infiniband_and_maps_nothing()
    {
        var ports = new Dictionary<string, string?> { [InfinibandPort] = ClientId };
        Assert.Empty(EthoibMapping.Map(ports, ["eth1"], Files));
    }

    [Fact]
    public void A_short_client_id_maps_nothing()
    {
        var ports = new Dictionary<string, string?> { [InfinibandPort] = "foo" };
        Assert.Empty(EthoibMapping.Map(ports, ["eth0"], Files));
    }
}
