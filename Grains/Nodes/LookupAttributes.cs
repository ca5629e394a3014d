using System.Net;
using System.Net.Sockets;
using Inspector.Grains.Ironic;

namespace Inspector.Grains.Nodes;

/// <summary>Builds the lookup attributes a ramdisk's data will be matched against.</summary>
public static class LookupAttributes
{
    /// <summary>
    /// BMC addresses from the node's <c>driver_info</c>: the first of <c>ipmi_address</c> and the
    /// fields of <c>[DEFAULT] ipmi_address_fields</c> that has a value. URLs (redfish) count by
    /// their host; host names are resolved to their IPv4 and IPv6 addresses. A bridged IPMI
    /// address reaches a different controller, so it is not used.
    /// </summary>
    /// <exception cref="LookupAttributeException">The BMC host name cannot be resolved.</exception>
    public static async Task<List<string>> BmcAddressesAsync(IronicNode node, IEnumerable<string> addressFields, CancellationToken ct = default)
    {
        var addresses = new List<string>();
        if (node.DriverInfo["ipmi_bridging"]?.ToString() is { } bridging && bridging != "no")
        {
            return addresses;
        }

        foreach (var field in addressFields.Prepend("ipmi_address").Distinct())
        {
            if (node.DriverInfo[field]?.ToString() is not { Length: > 0 } value)
            {
                continue;
            }

            var host = value.Contains("//", StringComparison.Ordinal) && Uri.TryCreate(value, UriKind.Absolute, out var uri)
                ? uri.Host.Trim('[', ']')
                : value.Trim();
            if (IPAddress.TryParse(host, out var ip))
            {
                AddAddress(addresses, ip);
                return addresses;
            }

            try
            {
                foreach (var resolved in await Dns.GetHostAddressesAsync(host, ct))
                {
                    AddAddress(addresses, resolved);
                }
            }
            catch (Exception e) when (e is SocketException or ArgumentException)
            {
                throw new LookupAttributeException($"Failed to resolve the hostname ({host}) for node {node.Uuid}");
            }

            return addresses;
        }

        return addresses;
    }

    public static bool IsValidMac(string? mac) =>
        mac is { Length: 17 } && PhysicalAddressLike(mac);

    private static void AddAddress(List<string> addresses, IPAddress ip)
    {
        if (ip.AddressFamily is AddressFamily.InterNetwork or AddressFamily.InterNetworkV6
            && !ip.Equals(IPAddress.Any) && !ip.Equals(IPAddress.IPv6Any))
        {
            var text = ip.ToString();
            if (!addresses.Contains(text))
            {
                addresses.Add(text);
            }
        }
    }

    private static bool PhysicalAddressLike(string mac)
    {
        for (var i = 0; i < mac.Length; i++)
        {
            var c = mac[i];
            var ok = i % 3 == 2 ? c == ':' : char.IsAsciiHexDigit(c);
            if (!ok)
            {
                return false;
            }
        }

        return true;
    }
}

public sealed class LookupAttributeException(string message) : Exception(message);
