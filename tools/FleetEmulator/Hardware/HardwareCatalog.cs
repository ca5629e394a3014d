using System.Buffers.Binary;
using System.Globalization;

namespace Inspector.FleetEmulator.Hardware;

/// <summary>
/// Generates varied, realistic servers. The same seed and index always give the same machine;
/// the index alone makes its addresses unique (MACs, BMC v4 and v6), so up to 16 million nodes of
/// one emulator never share a lookup attribute.
/// </summary>
public static class HardwareCatalog
{
    public const int MaxNodes = 1 << 24;

    private static readonly string[] X86Flags =
        ["fpu", "vme", "de", "pse", "tsc", "msr", "pae", "mce", "cx8", "apic", "sep", "mtrr", "pge", "mca", "cmov", "pat",
         "pse36", "clflush", "mmx", "fxsr", "sse", "sse2", "ht", "syscall", "nx", "pdpe1gb", "rdtscp", "lm", "constant_tsc",
         "nopl", "xtopology", "pni", "pclmulqdq", "ssse3", "fma", "cx16", "pcid", "sse4_1", "sse4_2", "x2apic", "movbe",
         "popcnt", "aes", "xsave", "avx", "f16c", "rdrand", "hypervisor", "lahf_lm", "abm", "3dnowprefetch", "bmi1", "avx2",
         "smep", "bmi2", "erms", "invpcid", "rdseed", "adx", "smap", "clflushopt", "sha_ni", "xsaveopt", "xsavec"];

    private static readonly (string Model, string Arch, int Threads, int Sockets, string Mhz, string? Virtualization, bool Avx512)[] Cpus =
    [
        ("Intel(R) Xeon(R) Gold 6248R CPU @ 3.00GHz", "x86_64", 96, 2, "3000.000", "vmx", true),
        ("Intel(R) Xeon(R) Silver 4214 CPU @ 2.20GHz", "x86_64", 48, 2, "2200.000", "vmx", true),
        ("Intel(R) Xeon(R) Platinum 8380 CPU @ 2.30GHz", "x86_64", 160, 2, "2300.000", "vmx", true),
        ("Intel(R) Xeon(R) E-2288G CPU @ 3.70GHz", "x86_64", 16, 1, "3700.000", "vmx", false),
        ("AMD EPYC 7543 32-Core Processor", "x86_64", 64, 1, "2800.000", "svm", false),
        ("AMD EPYC 7763 64-Core Processor", "x86_64", 256, 2, "2450.000", "svm", false),
        ("AMD EPYC 9354 32-Core Processor", "x86_64", 128, 2, "3250.000", "svm", true),
        ("Neoverse-N1", "aarch64", 80, 1, "3000.000", null, false),
    ];

    private static readonly (string Manufacturer, string Product, string Firmware)[] Vendors =
    [
        ("Dell Inc.", "PowerEdge R640", "Dell Inc."),
        ("Dell Inc.", "PowerEdge R750", "Dell Inc."),
        ("HPE", "ProLiant DL360 Gen10", "HPE"),
        ("HPE", "ProLiant DL380 Gen11", "HPE"),
        ("Lenovo", "ThinkSystem SR650", "Lenovo"),
        ("Supermicro", "SYS-1029U-TRT", "American Megatrends Inc."),
        ("Ampere Computing", "Mt. Collins", "Ampere(R)"),
    ];

    private static readonly (string Model, string Vendor, long Gb, bool Rotational, bool Nvme)[] DiskModels =
    [
        ("MZ7LH480HAHQ0D3", "ATA", 480, false, false),
        ("SSDSC2KB960G8", "ATA", 960, false, false),
        ("ST4000NM0035", "SEAGATE", 4000, true, false),
        ("HUH721212AL5200", "HGST", 12000, true, false),
        ("ST16000NM002G", "SEAGATE", 16000, true, false),
        ("Dell Ent NVMe P5600 MU U.2 1.6TB", "NVMe", 1600, false, true),
        ("SAMSUNG MZQL23T8HCLS-00A07", "NVMe", 3840, false, true),
    ];

    private static readonly (string Vendor, string Product, int Speed)[] NicModels =
    [
        ("0x8086", "0x1572", 10000),
        ("0x8086", "0x158b", 25000),
        ("0x15b3", "0x1017", 25000),
        ("0x15b3", "0x101d", 100000),
        ("0x14e4", "0x16d7", 25000),
        ("0x14e4", "0x165f", 1000),
    ];

    private static readonly int[] MemoryGb = [64, 128, 192, 256, 384, 512, 768, 1024];

    /// <summary>The server number <paramref name="index"/> of the fleet generated from <paramref name="seed"/>.</summary>
    public static NodeHardware Generate(int seed, int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, MaxNodes);
        // Not HashCode.Combine: it is salted per process (the same seed gave other machines in
        // the next run) and 32 bits wide, so two nodes of a large fleet could share a seed and
        // with it their UUID (a 100,000-node fleet had such a pair more often than not).
        var random = new Random(unchecked((int)(((uint)seed * 0x9E3779B1u) ^ (uint)index) & int.MaxValue));
        var uuid = Uuid(random, seed, index);

        var cpuModel = Cpus[random.Next(Cpus.Length)];
        var flags = cpuModel.Arch == "aarch64"
            ? new List<string> { "fp", "asimd", "evtstrm", "aes", "pmull", "sha1", "sha2", "crc32", "atomics", "fphp", "asimdhp", "cpuid", "asimdrdm", "lrcpc", "dcpop", "asimddp" }
            : [.. X86Flags];
        if (cpuModel.Virtualization is { } virtualization)
        {
            flags.Add(virtualization);
        }

        if (cpuModel.Avx512)
        {
            flags.AddRange(["avx512f", "avx512dq", "avx512cd", "avx512bw", "avx512vl"]);
        }

        var cpu = new Cpu(cpuModel.Model, cpuModel.Arch, cpuModel.Threads, cpuModel.Sockets, cpuModel.Mhz, flags);
        var vendor = cpuModel.Arch == "aarch64" ? Vendors[^1] : Vendors[random.Next(Vendors.Length - 1)];
        var serial = $"{vendor.Manufacturer[..2].ToUpperInvariant()}{index:D8}";
        var system = new SystemVendor(vendor.Manufacturer, vendor.Product, serial, vendor.Firmware,
            $"{random.Next(1, 3)}.{random.Next(0, 20)}.{random.Next(0, 10)}");

        var disks = GenerateDisks(random, index);
        var nics = GenerateNics(random, index);
        var bmcNumber = index + 1; // never 10.0.0.0
        return new NodeHardware(
            index,
            uuid,
            $"node-{index:D7}",
            $"10.{(bmcNumber >> 16) & 0xff}.{(bmcNumber >> 8) & 0xff}.{bmcNumber & 0xff}",
            $"fd00:b3c::{(bmcNumber >> 16) & 0xffff:x}:{bmcNumber & 0xffff:x}",
            Mac(0x0a, index),
            cpu,
            MemoryGb[random.Next(MemoryGb.Length)] * 1024L,
            disks,
            nics,
            system,
            random.Next(4) == 0 ? "bios" : "uefi");
    }

    /// <summary>
    /// A version-4 UUID, as Ironic generates them, random but for its last six bytes: the seed's
    /// low 16 bits and the index, so no two nodes of one emulator share a UUID.
    /// </summary>
    private static string Uuid(Random random, int seed, int index)
    {
        var bytes = new byte[16];
        random.NextBytes(bytes.AsSpan(0, 10));
        bytes[7] = (byte)((bytes[7] & 0x0f) | 0x40);
        bytes[8] = (byte)((bytes[8] & 0x3f) | 0x80);
        BinaryPrimitives.WriteUInt16BigEndian(bytes.AsSpan(10), (ushort)seed);
        BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(12), index);
        return new Guid(bytes).ToString();
    }

    /// <summary>A locally administered MAC: the first octet says which device, the last three are the index.</summary>
    private static string Mac(int device, int index) => string.Create(CultureInfo.InvariantCulture,
        $"{device:x2}:54:00:{(index >> 16) & 0xff:x2}:{(index >> 8) & 0xff:x2}:{index & 0xff:x2}");

    private static List<Disk> GenerateDisks(Random random, int index)
    {
        // Most servers have a few disks; storage nodes have many (1-24).
        var count = random.Next(10) switch
        {
            < 5 => random.Next(1, 3),
            < 8 => random.Next(2, 7),
            _ => random.Next(8, 25),
        };
        var disks = new List<Disk>(count);
        var sata = 0;
        var nvme = 0;
        for (var i = 0; i < count; i++)
        {
            var model = DiskModels[random.Next(DiskModels.Length)];
            var size = model.Gb * 1_000_000_000L;
            var serialNumber = $"S{index:X6}{i:X2}{random.Next(0x10000):X4}";
            var wwn = random.Next(3) == 0 ? null : $"0x5000c500{index:x6}{i:x2}";
            disks.Add(model.Nvme
                ? new Disk($"/dev/nvme{nvme}n1", model.Model, model.Vendor, size, false, serialNumber, wwn,
                    $"{nvme}:0:0:0", $"/dev/disk/by-path/pci-0000:{0x5e + nvme:x2}:00.0-nvme-1")
                : new Disk($"/dev/sd{(char)('a' + sata)}", model.Model, model.Vendor, size, model.Rotational, serialNumber, wwn,
                    $"0:0:{sata}:0", $"/dev/disk/by-path/pci-0000:18:00.0-scsi-0:0:{sata}:0"));
            if (model.Nvme)
            {
                nvme++;
            }
            else
            {
                sata++;
            }
        }

        return disks;
    }

    private static List<Nic> GenerateNics(Random random, int index)
    {
        var count = random.Next(2, 9);
        var model = NicModels[random.Next(NicModels.Length)];
        var rack = index / 40;
        var nics = new List<Nic>(count);
        for (var i = 0; i < count; i++)
        {
            var name = i < 2 ? $"eno{i + 1}" : $"ens{(i / 2) + 1}f{i % 2}";
            var connected = i < 2 || random.Next(3) > 0;
            // Each NIC goes to one of the rack's two top-of-rack switches, on the server's port.
            var tor = i % 2;
            var switchPort = connected
                ? new Switch(
                    Mac(0x7e, (rack << 1) | tor),
                    $"tor-{rack:D5}-{(char)('a' + tor)}",
                    $"Ethernet1/{(index % 40) + 1}",
                    $"node-{index:D7} {name}",
                    100 + (i / 2))
                : null;
            var ipv4 = i == 0 ? $"172.{16 + ((index >> 16) & 0x0f)}.{(index >> 8) & 0xff}.{index & 0xff}" : null;
            var ipv6 = connected ? $"fe80::{(i << 4) | 2:x}54:ff:fe{(index >> 16) & 0xff:x2}:{index & 0xffff:x}%{name}" : null;
            nics.Add(new Nic(name, Mac((i << 4) | 0x02, index), ipv4, ipv6, connected, model.Speed, model.Vendor, model.Product, switchPort));
        }

        return nics;
    }
}
