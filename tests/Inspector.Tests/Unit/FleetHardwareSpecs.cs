using Inspector.FleetEmulator.Hardware;

namespace Inspector.Tests.Unit;

/// <summary>
/// The emulated fleet's servers are told apart by their identities: a benchmark that enrols
/// N nodes must get N UUIDs, or it waits for a node that never existed.
/// </summary>
public sealed class FleetHardwareSpecs
{
    [Fact]
    public void Every_node_of_a_large_fleet_has_its_own_uuid_macs_and_bmc_addresses()
    {
        // 150,000 nodes: with seeds of 32 random bits, two of them shared a UUID nine times in ten.
        const int count = 150_000;
        var uuids = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var macs = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var bmcs = new HashSet<string>();
        for (var index = 0; index < count; index++)
        {
            var node = HardwareCatalog.Generate(seed: 1, index);
            Assert.True(uuids.Add(node.Uuid), $"UUID {node.Uuid} of node {index} was given before");
            Assert.True(bmcs.Add(node.BmcV4) && bmcs.Add(node.BmcV6), $"a BMC address of node {index} was given before");
            foreach (var nic in node.Nics)
            {
                Assert.True(macs.Add(nic.Mac), $"MAC {nic.Mac} of node {index} was given before");
            }
        }
    }

    [Fact]
    public void Uuids_are_version_4_and_depend_only_on_the_seed_and_index()
    {
        var first = HardwareCatalog.Generate(seed: 7, 123_456);
        var again = HardwareCatalog.Generate(seed: 7, 123_456);
        var otherSeed = HardwareCatalog.Generate(seed: 8, 123_456);

        Assert.Equal(first.Uuid, again.Uuid);
        Assert.NotEqual(first.Uuid, otherSeed.Uuid);
        Assert.Equal('4', first.Uuid[14]);
        Assert.Contains(first.Uuid[19], "89ab");
        // The seed and index are the last six bytes: no other node of any fleet can have them.
        Assert.EndsWith("00070001e240", first.Uuid, StringComparison.Ordinal);
    }
}
