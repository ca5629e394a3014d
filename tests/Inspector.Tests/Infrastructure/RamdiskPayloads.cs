using System.Text.Json.Nodes;

namespace Inspector.Tests.Infrastructure;

/// <summary>Bodies a ramdisk posts to /v1/continue, in both formats.</summary>
public static class RamdiskPayloads
{
    public const long GiB = 1L << 30;

    /// <summary>
    /// An ironic-python-agent inventory: eth0 (the PXE NIC, <paramref name="pxeMac"/>), eth1 with
    /// an address, eth2 without, lo; two disks (100 and 50 GiB); 4 CPUs with vmx/aes/pse/pdpe1gb.
    /// </summary>
    public static JsonObject Ipa(string pxeMac, string? bmc = "192.0.2.10", string? secondMac = null, string? thirdMac = null)
    {
        secondMac ??= InspectorHost.RandomMac();
        thirdMac ??= InspectorHost.RandomMac();
        return new JsonObject
        {
            ["inventory"] = new JsonObject
            {
                ["interfaces"] = new JsonArray(
                    Nic("eth0", pxeMac, "192.0.2.100"),
                    Nic("eth1", secondMac, "192.0.2.101"),
                    Nic("eth2", thirdMac, null),
                    Nic("lo", "00:00:00:00:00:00", "127.0.0.1")),
                ["cpu"] = new JsonObject
                {
                    ["model_name"] = "QEMU Virtual CPU version 2.5+",
                    ["count"] = 4,
                    ["architecture"] = "x86_64",
                    ["flags"] = new JsonArray("fpu", "vme", "pse", "sse2", "vmx", "aes", "pdpe1gb"),
                },
                ["memory"] = new JsonObject { ["total"] = 8589934592, ["physical_mb"] = 8192 },
                ["disks"] = new JsonArray(Disk("/dev/sda", 100, rotational: true, "QM00001"), Disk("/dev/sdb", 50, rotational: false, "QM00002")),
                ["system_vendor"] = new JsonObject { ["product_name"] = "RefServer 1000", ["manufacturer"] = "RefVendor" },
                ["boot"] = new JsonObject { ["current_boot_mode"] = "bios", ["pxe_interface"] = pxeMac },
                ["bmc_address"] = bmc,
                ["bmc_v6address"] = "::/0",
            },
            ["root_disk"] = Disk("/dev/sda", 100, rotational: true, "QM00001"),
            ["boot_interface"] = pxeMac,
            ["configuration"] = new JsonObject { ["collectors"] = new JsonArray("default", "logs") },
        };
    }

    /// <summary>The flat format of the original API.</summary>
    public static JsonObject Flat(string pxeMac, string? bmc = "192.0.2.11", string? secondMac = null) => new()
    {
        ["cpus"] = 2,
        ["cpu_arch"] = "x86_64",
        ["memory_mb"] = 4096,
        ["local_gb"] = 20,
        ["interfaces"] = new JsonObject
        {
            ["eth0"] = new JsonObject { ["mac"] = pxeMac, ["ip"] = "192.0.2.111" },
            ["eth1"] = new JsonObject { ["mac"] = secondMac ?? InspectorHost.RandomMac(), ["ip"] = null },
        },
        ["ipmi_address"] = bmc,
        ["boot_interface"] = "01-" + pxeMac.Replace(':', '-'),
    };

    public static JsonObject Nic(string name, string mac, string? ipv4) => new()
    {
        ["name"] = name,
        ["mac_address"] = mac,
        ["ipv4_address"] = ipv4,
        ["ipv6_address"] = null,
        ["has_carrier"] = true,
        ["lldp"] = null,
        ["client_id"] = null,
    };

    public static JsonObject Disk(string name, long sizeGiB, bool rotational, string serial) => new()
    {
        ["name"] = name,
        ["model"] = rotational ? "QEMU HARDDISK" : "QEMU SSD",
        ["size"] = sizeGiB * GiB,
        ["rotational"] = rotational,
        ["wwn"] = null,
        ["serial"] = serial,
        ["vendor"] = "ATA",
        ["hctl"] = "0:0:0:0",
        ["by_path"] = $"/dev/disk/by-path/pci-0000:00:01.1-ata-{serial}",
    };
}
