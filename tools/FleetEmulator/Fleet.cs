using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Inspector.FleetEmulator.Hardware;
using Inspector.IronicEmulator;

namespace Inspector.FleetEmulator;

/// <summary>
/// The servers enrolled in an emulated Ironic: each with its generated hardware, a BMC address
/// and a port for its PXE NIC, in <c>manageable</c> state, ready to be inspected.
/// </summary>
public sealed class Fleet(EmulatedIronic ironic)
{
    private readonly ConcurrentDictionary<string, NodeHardware> _byUuid = new(StringComparer.OrdinalIgnoreCase);
    private int _nextIndex;

    public EmulatedIronic Ironic { get; } = ironic;

    public int Count => _byUuid.Count;

    public IEnumerable<NodeHardware> Nodes => _byUuid.Values;

    public NodeHardware? Find(string uuid) => _byUuid.GetValueOrDefault(uuid);

    /// <summary>Enrolls <paramref name="count"/> new servers in one go; their addresses follow the ones enrolled before.</summary>
    public IReadOnlyList<NodeHardware> Enrol(int count, int seed, string provisionState = "manageable")
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        var first = Interlocked.Add(ref _nextIndex, count) - count;
        if (first + count > HardwareCatalog.MaxNodes)
        {
            throw new ArgumentOutOfRangeException(nameof(count), $"An emulator holds at most {HardwareCatalog.MaxNodes} nodes");
        }

        var enrolled = new NodeHardware[count];
        Parallel.For(0, count, i =>
        {
            var node = HardwareCatalog.Generate(seed, first + i);
            var driverInfo = new JsonObject
            {
                ["ipmi_address"] = node.BmcV4,
                ["ipmi_username"] = "admin",
                ["ipmi_password"] = "******",
            };
            Ironic.AddNode(node.Name, provisionState, driverInfo, [node.PxeNic.Mac], node.Uuid);
            var json = Ironic.FindNode(node.Uuid)!;
            lock (json)
            {
                json["driver"] = "ipmi";
                json["resource_class"] = "baremetal";
            }

            _byUuid[node.Uuid] = node;
            enrolled[i] = node;
        });
        return enrolled;
    }
}
