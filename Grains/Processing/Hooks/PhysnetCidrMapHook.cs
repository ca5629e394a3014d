using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Numerics;
using System.Text.Json.Nodes;
using Inspector.Grains.Configuration;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Inspector.Grains.Processing.Hooks;

/// <summary>
/// <c>physnet_cidr_map</c>: sets <c>physical_network</c> on the node's ports from the subnet of
/// the NIC's address, by <c>[port_physnet] cidr_map</c> (<c>CIDR:physnet</c> items).
/// </summary>
/// <remarks>
/// As in the reference: only NICs in <c>all_interfaces</c> with a port count (existing ports,
/// and those this run creates); the NIC's first valid address of IPv4 then IPv6 alone decides,
/// against the subnets in configured order; nothing changes without
/// <c>[processing] overwrite_existing</c> or when the port has that network already.
/// </remarks>
public sealed class PhysnetCidrMapHook : IProcessingHook
{
    private readonly List<(IpNetwork Network, string Physnet)> _map;
    private readonly bool _overwriteExisting;
    private readonly ILogger<PhysnetCidrMapHook> _logger;

    public PhysnetCidrMapHook(IOptions<PortPhysnetOptions> options, IOptions<ProcessingOptions> processing, ILogger<PhysnetCidrMapHook> logger)
    {
        _map = ParseMap(options.Value.CidrMap);
        _overwriteExisting = processing.Value.OverwriteExisting;
        _logger = logger;
    }

    public string Name => "physnet_cidr_map";

    public void BeforeUpdate(ProcessingContext context)
    {
        var update = context.RequireUpdate();
        var allInterfaces = context.Data.Data["all_interfaces"] as JsonObject ?? [];
        var interfaces = context.Data.Interfaces;
        var existing = context.Ports
            .Where(p => !update.PortsToDelete.Contains(p.Uuid))
            .GroupBy(p => p.Address.ToLowerInvariant())
            .ToDictionary(g => g.Key, g => g.First());

        foreach (var iface in interfaces)
        {
            if (!allInterfaces.ContainsKey(iface.Name) || iface.Mac is null)
            {
                continue;
            }

            var pending = update.PortsToCreate.FindIndex(p => string.Equals(p.Address, iface.Mac, StringComparison.OrdinalIgnoreCase));
            if (pending < 0 && !existing.ContainsKey(iface.Mac))
            {
                _logger.LogDebug("Node {Node}: no port for interface {Mac}, skipping physical network processing", context.NodeUuid, iface.Mac);
                continue;
            }

            // The reference reads the addresses of the first NIC of that name.
            var named = interfaces.First(i => i.Name == iface.Name);
            if (PhysicalNetwork(named) is not { } physnet)
            {
                _logger.LogDebug("Node {Node}: no physical network mapping for interface {Mac}", context.NodeUuid, iface.Mac);
                continue;
            }

            if (pending >= 0)
            {
                var port = update.PortsToCreate[pending];
                if (_overwriteExisting && port.PhysicalNetwork != physnet)
                {
                    update.PortsToCreate[pending] = port with { PhysicalNetwork = physnet };
                }
            }
            else
            {
                var port = existing[iface.Mac];
                if (_overwriteExisting && port.PhysicalNetwork != physnet)
                {
                    update.PortPatches.Add((port.Uuid,
                        [new JsonObject { ["op"] = "add", ["path"] = "/physical_network", ["value"] = physnet }]));
                }
            }
        }
    }

    /// <summary>Only the first address that parses counts: with no subnet for it, there is no network.</summary>
    private string? PhysicalNetwork(RamdiskInterface iface)
    {
        foreach (var text in new[] { iface.Ipv4, iface.Ipv6 })
        {
            if (IpNetwork.ParseAddress(text) is { } address)
            {
                return _map.FirstOrDefault(m => m.Network.Contains(address)).Physnet;
            }
        }

        return null;
    }

    private static List<(IpNetwork, string)> ParseMap(IReadOnlyList<string> items)
    {
        var map = new List<(IpNetwork Network, string Physnet)>();
        foreach (var item in items)
        {
            var colon = item.LastIndexOf(':');
            if (colon < 0)
            {
                throw new InvalidConfigurationException(
                    $"Invalid value '{item}' for option [port_physnet] cidr_map: expected CIDR:physnet");
            }

            var network = IpNetwork.Parse(item[..colon]) ?? throw new InvalidConfigurationException(
                $"Invalid value '{item}' for option [port_physnet] cidr_map: '{item[..colon]}' is not a valid IP network " +
                "(host bits must be zero)");
            var physnet = item[(colon + 1)..];

            // A subnet named twice keeps its first place and takes the last physnet, as a Python dict does.
            var index = map.FindIndex(m => m.Network.Equals(network));
            if (index >= 0)
            {
                map[index] = (network, physnet);
            }
            else
            {
                map.Add((network, physnet));
            }
        }

        return map;
    }
}

/// <summary>An IP network, parsed as strictly as Python's <c>ipaddress</c> module does.</summary>
internal sealed record IpNetwork(AddressFamily Family, BigInteger Address, int PrefixLength)
{
    public bool Contains(IPAddress address)
    {
        if (address.AddressFamily != Family)
        {
            return false;
        }

        var bits = Bits(Family);
        var mask = ((BigInteger.One << PrefixLength) - 1) << (bits - PrefixLength);
        return (ToInteger(address) & mask) == Address;
    }

    /// <summary><c>ipaddress.ip_network(text)</c>: ADDRESS[/PREFIX], for IPv4 also /NETMASK or /HOSTMASK; null when invalid.</summary>
    public static IpNetwork? Parse(string text)
    {
        var parts = text.Split('/');
        if (parts.Length > 2 || ParseAddress(parts[0]) is not { } address)
        {
            return null;
        }

        var family = address.AddressFamily;
        var bits = Bits(family);
        int prefix;
        if (parts.Length == 1)
        {
            prefix = bits;
        }
        else if (parts[1].Length > 0 && parts[1].All(char.IsAsciiDigit))
        {
            if (!int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out prefix) || prefix > bits)
            {
                return null;
            }
        }
        else if (family == AddressFamily.InterNetwork && ParseIpv4(parts[1]) is { } mask)
        {
            if (PrefixOfMask(ToInteger(mask), bits) is { } fromNetmask)
            {
                prefix = fromNetmask;
            }
            else if (PrefixOfMask(ToInteger(mask) ^ ((BigInteger.One << bits) - 1), bits) is { } fromHostmask)
            {
                prefix = fromHostmask;
            }
            else
            {
                return null;
            }
        }
        else
        {
            return null;
        }

        var value = ToInteger(address);
        var hostBits = (BigInteger.One << (bits - prefix)) - 1;
        return (value & hostBits) == 0 ? new IpNetwork(family, value, prefix) : null;
    }

    /// <summary><c>ipaddress.ip_address(text)</c>: a strict dotted quad, or an IPv6 address with an optional scope; null when invalid.</summary>
    public static IPAddress? ParseAddress(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return null;
        }

        return ParseIpv4(text) ?? ParseIpv6(text);
    }

    private static IPAddress? ParseIpv4(string text)
    {
        var octets = text.Split('.');
        if (octets.Length != 4)
        {
            return null;
        }

        var bytes = new byte[4];
        for (var i = 0; i < 4; i++)
        {
            var octet = octets[i];
            if (octet.Length is 0 or > 3 || !octet.All(char.IsAsciiDigit) || (octet.Length > 1 && octet[0] == '0'))
            {
                return null;
            }

            var value = int.Parse(octet, CultureInfo.InvariantCulture);
            if (value > 255)
            {
                return null;
            }

            bytes[i] = (byte)value;
        }

        return new IPAddress(bytes);
    }

    private static IPAddress? ParseIpv6(string text)
    {
        var percent = text.IndexOf('%', StringComparison.Ordinal);
        var address = percent < 0 ? text : text[..percent];
        if (percent >= 0 && (percent == text.Length - 1 || text.IndexOf('%', percent + 1) >= 0))
        {
            return null; // an empty scope, or a second '%'
        }

        if (!address.Contains(':', StringComparison.Ordinal)
            || !address.All(c => char.IsAsciiHexDigit(c) || c is ':' or '.')
            || !IPAddress.TryParse(address, out var parsed)
            || parsed.AddressFamily != AddressFamily.InterNetworkV6)
        {
            return null;
        }

        // An embedded IPv4 part must be a strict dotted quad too.
        var lastColon = address.LastIndexOf(':');
        if (address.Contains('.', StringComparison.Ordinal) && ParseIpv4(address[(lastColon + 1)..]) is null)
        {
            return null;
        }

        return new IPAddress(parsed.GetAddressBytes());
    }

    private static int? PrefixOfMask(BigInteger mask, int bits)
    {
        for (var prefix = 0; prefix <= bits; prefix++)
        {
            if (mask == ((BigInteger.One << prefix) - 1) << (bits - prefix))
            {
                return prefix;
            }
        }

        return null;
    }

    private static int Bits(AddressFamily family) => family == AddressFamily.InterNetwork ? 32 : 128;

    private static BigInteger ToInteger(IPAddress address) =>
        new(address.GetAddressBytes(), isUnsigned: true, isBigEndian: true);
}
