namespace Inspector.FleetEmulator.Hardware;

/// <summary>What one emulated server is made of; the ramdisk reports it, Ironic knows its BMC and PXE port.</summary>
public sealed record NodeHardware(
    int Index,
    string Uuid,
    string Name,
    string BmcV4,
    string BmcV6,
    string BmcMac,
    Cpu Cpu,
    long MemoryMb,
    IReadOnlyList<Disk> Disks,
    IReadOnlyList<Nic> Nics,
    SystemVendor Vendor,
    string BootMode)
{
    /// <summary>The NIC the node PXE-boots from; Ironic has a port for it.</summary>
    public Nic PxeNic => Nics[0];
}

public sealed record Cpu(string Model, string Architecture, int Count, int Sockets, string FrequencyMhz, IReadOnlyList<string> Flags);

public sealed record Disk(string Name, string Model, string Vendor, long SizeBytes, bool Rotational, string Serial, string? Wwn, string Hctl, string ByPath);

public sealed record Nic(string Name, string Mac, string? Ipv4, string? Ipv6, bool HasCarrier, int SpeedMbps, string VendorId, string ProductId, Switch? Switch);

/// <summary>The switch port a NIC is cabled to, as LLDP announces it.</summary>
public sealed record Switch(string ChassisMac, string SystemName, string PortId, string PortDescription, int Vlan);

public sealed record SystemVendor(string Manufacturer, string ProductName, string SerialNumber, string FirmwareVendor, string FirmwareVersion);
