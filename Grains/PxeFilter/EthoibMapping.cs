using System.Text.RegularExpressions;

namespace Inspector.Grains.PxeFilter;

/// <summary>
/// <c>[iptables] ethoib_interfaces</c>: on InfiniBand, DHCP requests reach the inspection network
/// through Ethernet-over-InfiniBand interfaces, which speak with their own Ethernet MAC (EMAC).
/// Each such interface lists its neighbours in <c>/sys/class/net/IFACE/eth/neighs</c> as
/// <c>EMAC=02:00:00:61:00:02 IMAC=61:fe:80:00:00:00:00:00:00:7c:fe:90:03:00:29:24:4f</c>; the last
/// eight bytes of the IMAC are the port's GUID, which ends the Ironic port's <c>client-id</c>.
/// The filter must name the EMAC, not the InfiniBand port address.
/// </summary>
public static partial class EthoibMapping
{
    /// <summary>EoIB MAC by port address, for the ports with a <c>client-id</c> found in the neighbour files.</summary>
    public static Dictionary<string, string> Map(
        IReadOnlyDictionary<string, string?> clientIdsByAddress, IEnumerable<string> interfaces, Func<string, string?> readFile)
    {
        var mapping = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var iface in interfaces)
        {
            if (readFile($"/sys/class/net/{iface}/eth/neighs") is not { } neighbours)
            {
                continue; // not an Ethernet-over-InfiniBand interface
            }

            foreach (var (address, clientId) in clientIdsByAddress)
            {
                if (clientId is not { Length: >= 23 })
                {
                    continue;
                }

                var guid = clientId[^23..].ToLowerInvariant();
                foreach (Match line in Neighbour().Matches(neighbours))
                {
                    if (line.Groups["imac"].Value.ToLowerInvariant().EndsWith(guid, StringComparison.Ordinal))
                    {
                        mapping[address] = line.Groups["emac"].Value.ToLowerInvariant();
                        break;
                    }
                }
            }
        }

        return mapping;
    }

    [GeneratedRegex(@"EMAC=(?<emac>[0-9a-fA-F]{2}(?::[0-9a-fA-F]{2}){5})\s+IMAC=(?<imac>[0-9a-fA-F:]+)")]
    private static partial Regex Neighbour();
}
