using System.Buffers;
using System.Text;
using System.Text.Json;

namespace Inspector.FleetEmulator.Hardware;

/// <summary>
/// Writes what ironic-python-agent posts to an inspector's <c>/v1/continue</c>: the inventory
/// (interfaces with raw LLDP TLVs, CPU, memory, disks, system vendor, boot, BMC v4/v6), the root
/// disk, the boot interface and the collector configuration. Written straight to UTF-8 so a
/// fleet of 100,000 ramdisks costs little.
/// </summary>
public static class InventoryWriter
{
    public static byte[] Write(NodeHardware node)
    {
        var buffer = new ArrayBufferWriter<byte>(8192);
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteStartObject("inventory");
            WriteInterfaces(json, node);
            WriteCpu(json, node.Cpu);
            json.WriteStartObject("memory");
            json.WriteNumber("total", (node.MemoryMb * 1024 * 1024) - (node.MemoryMb * 1024 * 12)); // the kernel keeps some
            json.WriteNumber("physical_mb", node.MemoryMb);
            json.WriteEndObject();
            json.WriteStartArray("disks");
            foreach (var disk in node.Disks)
            {
                WriteDisk(json, disk);
            }

            json.WriteEndArray();
            json.WriteStartObject("system_vendor");
            json.WriteString("product_name", node.Vendor.ProductName);
            json.WriteString("serial_number", node.Vendor.SerialNumber);
            json.WriteString("manufacturer", node.Vendor.Manufacturer);
            json.WriteStartObject("firmware");
            json.WriteString("vendor", node.Vendor.FirmwareVendor);
            json.WriteString("version", node.Vendor.FirmwareVersion);
            json.WriteString("build_date", "03/14/2024");
            json.WriteEndObject();
            json.WriteEndObject();
            json.WriteStartObject("boot");
            json.WriteString("current_boot_mode", node.BootMode);
            json.WriteString("pxe_interface", node.PxeNic.Mac);
            json.WriteEndObject();
            json.WriteString("hostname", node.Name);
            json.WriteString("bmc_address", node.BmcV4);
            json.WriteString("bmc_v6address", node.BmcV6);
            json.WriteString("bmc_mac", node.BmcMac);
            json.WriteEndObject();

            json.WritePropertyName("root_disk");
            WriteDisk(json, RootDisk(node));
            json.WriteString("boot_interface", node.PxeNic.Mac);
            json.WriteNull("error");
            json.WriteStartObject("configuration");
            json.WriteStartArray("collectors");
            json.WriteStringValue("default");
            json.WriteStringValue("logs");
            json.WriteEndArray();
            json.WriteStartArray("managers");
            json.WriteStartObject();
            json.WriteString("name", "generic_hardware_manager");
            json.WriteString("version", "1.2");
            json.WriteEndObject();
            json.WriteEndArray();
            json.WriteEndObject();
            json.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>As the agent guesses it: the smallest disk of at least 4 GiB.</summary>
    public static Disk RootDisk(NodeHardware node) =>
        node.Disks.Where(d => d.SizeBytes >= 4L << 30).OrderBy(d => d.SizeBytes).FirstOrDefault() ?? node.Disks[0];

    private static void WriteInterfaces(Utf8JsonWriter json, NodeHardware node)
    {
        json.WriteStartArray("interfaces");
        foreach (var nic in node.Nics)
        {
            json.WriteStartObject();
            json.WriteString("name", nic.Name);
            json.WriteString("mac_address", nic.Mac);
            WriteStringOrNull(json, "ipv4_address", nic.Ipv4);
            WriteStringOrNull(json, "ipv6_address", nic.Ipv6);
            json.WriteBoolean("has_carrier", nic.HasCarrier);
            if (nic.Switch is { } sw)
            {
                json.WriteStartArray("lldp");
                Tlv(json, 1, "04" + sw.ChassisMac.Replace(":", "", StringComparison.Ordinal));
                Tlv(json, 2, "05" + Hex(sw.PortId));
                Tlv(json, 3, "0078");
                Tlv(json, 4, Hex(sw.PortDescription));
                Tlv(json, 5, Hex(sw.SystemName));
                Tlv(json, 127, $"0080c201{sw.Vlan:x4}");
                json.WriteEndArray();
            }
            else
            {
                json.WriteNull("lldp");
            }

            json.WriteString("vendor", nic.VendorId);
            json.WriteString("product", nic.ProductId);
            json.WriteNull("client_id");
            json.WriteNull("biosdevname");
            json.WriteNumber("speed_mbps", nic.SpeedMbps);
            json.WriteEndObject();
        }

        json.WriteEndArray();
    }

    private static void WriteCpu(Utf8JsonWriter json, Cpu cpu)
    {
        json.WriteStartObject("cpu");
        json.WriteString("model_name", cpu.Model);
        json.WriteString("frequency", cpu.FrequencyMhz);
        json.WriteNumber("count", cpu.Count);
        json.WriteString("architecture", cpu.Architecture);
        json.WriteStartArray("flags");
        foreach (var flag in cpu.Flags)
        {
            json.WriteStringValue(flag);
        }

        json.WriteEndArray();
        json.WriteNumber("socket_count", cpu.Sockets);
        json.WriteEndObject();
    }

    private static void WriteDisk(Utf8JsonWriter json, Disk disk)
    {
        json.WriteStartObject();
        json.WriteString("name", disk.Name);
        json.WriteString("model", disk.Model);
        json.WriteNumber("size", disk.SizeBytes);
        json.WriteBoolean("rotational", disk.Rotational);
        WriteStringOrNull(json, "wwn", disk.Wwn);
        json.WriteString("serial", disk.Serial);
        json.WriteString("vendor", disk.Vendor);
        WriteStringOrNull(json, "wwn_with_extension", disk.Wwn);
        json.WriteNull("wwn_vendor_extension");
        json.WriteString("hctl", disk.Hctl);
        json.WriteString("by_path", disk.ByPath);
        json.WriteEndObject();
    }

    private static void Tlv(Utf8JsonWriter json, int type, string hex)
    {
        json.WriteStartArray();
        json.WriteNumberValue(type);
        json.WriteStringValue(hex);
        json.WriteEndArray();
    }

    private static string Hex(string text) => Convert.ToHexStringLower(Encoding.ASCII.GetBytes(text));

    private static void WriteStringOrNull(Utf8JsonWriter json, string name, string? value)
    {
        if (value is null)
        {
            json.WriteNull(name);
        }
        else
        {
            json.WriteString(name, value);
        }
    }
}
