using System.Text;
using System.Text.Json.Nodes;
using Inspector.Grains.Processing;
using Inspector.Tests.Infrastructure;

namespace Inspector.Tests.Unit;

/// <summary>
/// The callback's streaming read of the lookup attributes gives what the full parse gives, and
/// leaves every document it cannot read plainly to the full parse (returns null).
/// </summary>
public sealed class LookupScanSpecs
{
    public static TheoryData<string> ValidDocuments =>
    [
        RamdiskPayloads.Ipa("52:54:00:AA:bb:01").ToJsonString(),
        RamdiskPayloads.Ipa("52:54:00:aa:bb:02", bmc: null, secondMac: "52:54:00:aa:bb:03", thirdMac: "52:54:00:aa:bb:02").ToJsonString(),
        RamdiskPayloads.Ipa("52:54:00:aa:bb:04", bmc: "0.0.0.0").ToJsonString(),
        RamdiskPayloads.Flat("52:54:00:aa:bb:05").ToJsonString(),
        RamdiskPayloads.Flat("52:54:00:aa:bb:06", bmc: null, secondMac: "52:54:00:AA:BB:07").ToJsonString(),
        """{"inventory": {"interfaces": [{"mac_address": "52:54:00:aa:bb:08"}], "bmc_v6address": " fd00::1 "}, "ipmi_address": "192.0.2.5"}""",
        """{"inventory": {"bmc_address": null, "interfaces": null}, "ipmi_address": "192.0.2.5"}""",
        """{"inventory": {"interfaces": [{"mac_address": null}, {"mac_address": "not a mac"}]}, "ipmi_address": "192.0.2.6"}""",
        """{"interfaces": [1, 2], "inventory": {"interfaces": [{"name": "eth0", "mac_address": "52:54:00:aa:bb:09", "lldp": [[1, "AA"]]}]}}""",
        """{"ipmi_address": "192.0.2.7/24", "interfaces": {"eth0": {"mac": "52:54:00:aa:bb:0a", "ip": "10.0.0.1"}, "eth1": {"mac": null}}}""",
        """{"inventory": {"bmc_address": "2001:db8::1", "bmc_v6address": "::", "disks": [{"name": "/dev/sda", "size": 1}], "interfaces": []}}""",
        "{}",
    ];

    public static TheoryData<string> DocumentsLeftToTheFullParse =>
    [
        "not json",
        "[]",
        """{"inventory": null}""",
        """{"inventory": []}""",
        """{"inventory": {"interfaces": {"eth0": {}}}}""",
        """{"inventory": {"interfaces": [7]}}""",
        """{"inventory": {"interfaces": [{"mac_address": 7}]}}""",
        """{"inventory": {"bmc_address": 1}}""",
        """{"interfaces": {"eth0": {"mac": 7}}}""",
        """{"interfaces": {"eth0": "52:54:00:aa:bb:0b"}}""",
        """{"interfaces": []}""",
        """{"ipmi_address": ["192.0.2.1"]}""",
        """{"inventory": {}, "inventory": {}}""",
        """{"interfaces": {"eth0": {"mac": "52:54:00:aa:bb:0c"}, "eth0": {"mac": "52:54:00:aa:bb:0d"}}}""",
        """{"inventory": {"interfaces": []}} trailing""",
    ];

    [Theory]
    [MemberData(nameof(ValidDocuments))]
    public void Gives_the_attributes_of_the_full_parse(string json)
    {
        var expected = RamdiskData.Parse(json).AttributesForLookup();

        var scanned = LookupScan.TryAttributes(Encoding.UTF8.GetBytes(json));

        Assert.NotNull(scanned);
        Assert.Equal(expected, scanned);
    }

    [Theory]
    [MemberData(nameof(DocumentsLeftToTheFullParse))]
    public void Leaves_documents_it_cannot_read_plainly_to_the_full_parse(string json)
    {
        Assert.Null(LookupScan.TryAttributes(Encoding.UTF8.GetBytes(json)));
    }

    [Fact]
    public void Reads_the_bmc_and_every_valid_mac_in_order()
    {
        const string json = """
            {"inventory": {"bmc_address": "192.0.2.20", "interfaces": [
                {"name": "eth0", "mac_address": "52:54:00:AA:BB:10"},
                {"name": "eth1", "mac_address": "52:54:00:aa:bb:11", "lldp": []},
                {"name": "eth2", "mac_address": "52:54:00:aa:bb:10"},
                {"name": "ib0", "mac_address": "a0:00:02:20:fe:80:00:00:00:00"}]}}
            """;

        var scanned = LookupScan.TryAttributes(Encoding.UTF8.GetBytes(json))!;

        Assert.Equal(["bmc_address=192.0.2.20", "mac=52:54:00:aa:bb:10", "mac=52:54:00:aa:bb:11"],
            scanned.Select(a => $"{a.Name}={a.Value}"));
    }

    [Fact]
    public void Agrees_with_the_full_parse_when_the_flat_interfaces_come_last()
    {
        var flat = new JsonObject
        {
            ["ipmi_address"] = "192.0.2.30",
            ["interfaces"] = new JsonObject { ["em1"] = new JsonObject { ["mac"] = "52:54:00:aa:bb:12" } },
        }.ToJsonString();

        Assert.Equal(RamdiskData.Parse(flat).AttributesForLookup(), LookupScan.TryAttributes(Encoding.UTF8.GetBytes(flat)));
    }
}
