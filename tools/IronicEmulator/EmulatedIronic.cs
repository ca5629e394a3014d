using System.Collections.Concurrent;
using System.Text.Json.Nodes;

namespace Inspector.IronicEmulator;

/// <summary>One recorded call to the emulated Ironic, for tests that count what reached Ironic.</summary>
public sealed record IronicCall(string Method, string Path, string? Body);

/// <summary>
/// The in-memory state of an emulated Ironic: nodes, ports, traits and a log of calls. Thread
/// safe; every node is locked on its own.
/// </summary>
public sealed class EmulatedIronic
{
    private readonly ConcurrentDictionary<string, JsonObject> _nodes = new(StringComparer.OrdinalIgnoreCase);
    private readonly ConcurrentDictionary<string, JsonObject> _ports = new(StringComparer.OrdinalIgnoreCase);
    private readonly ConcurrentQueue<IronicCall> _calls = new();
    private readonly ConcurrentDictionary<string, int> _failures = new();

    /// <summary>The API version the emulator advertises as its maximum.</summary>
    public string MaxVersion { get; set; } = "1.78";

    /// <summary>Added to every call, to imitate a real Ironic's latency.</summary>
    public TimeSpan Latency { get; set; }

    public IEnumerable<IronicCall> Calls => _calls;

    public IReadOnlyCollection<JsonObject> Nodes => [.. _nodes.Values];

    public IReadOnlyCollection<JsonObject> AllPorts => [.. _ports.Values];

    public void ClearCalls() => _calls.Clear();

    public void Record(string method, string path, string? body) => _calls.Enqueue(new IronicCall(method, path, body));

    /// <summary>Enrolls a node; returns its UUID.</summary>
    public string AddNode(
        string? name = null,
        string provisionState = "manageable",
        JsonObject? driverInfo = null,
        IEnumerable<string>? macs = null,
        string? uuid = null,
        JsonObject? properties = null)
    {
        uuid ??= Guid.NewGuid().ToString();
        var node = new JsonObject
        {
            ["uuid"] = uuid,
            ["name"] = name,
            ["driver"] = "fake-hardware",
            ["provision_state"] = provisionState,
            ["power_state"] = "power off",
            ["maintenance"] = false,
            ["driver_info"] = driverInfo ?? new JsonObject(),
            ["properties"] = properties ?? new JsonObject(),
            ["extra"] = new JsonObject(),
            ["traits"] = new JsonArray(),
            ["boot_device"] = null,
            ["power_validation"] = null,
        };
        _nodes[uuid] = node;
        foreach (var mac in macs ?? [])
        {
            AddPort(uuid, mac, pxeEnabled: true);
        }

        return uuid;
    }

    public JsonObject AddPort(string nodeUuid, string address, bool pxeEnabled, JsonObject? extra = null)
    {
        var port = new JsonObject
        {
            ["uuid"] = Guid.NewGuid().ToString(),
            ["address"] = address.ToLowerInvariant(),
            ["node_uuid"] = nodeUuid,
            ["pxe_enabled"] = pxeEnabled,
            ["extra"] = extra ?? new JsonObject(),
            ["local_link_connection"] = new JsonObject(),
        };
        _ports[(string)port["uuid"]!] = port;
        return port;
    }

    public bool RemoveNode(string uuid)
    {
        foreach (var port in PortsOf(uuid))
        {
            _ports.TryRemove((string)port["uuid"]!, out _);
        }

        return _nodes.TryRemove(uuid, out _);
    }

    /// <summary>Finds a node by UUID or by name.</summary>
    public JsonObject? FindNode(string id) =>
        _nodes.TryGetValue(id, out var node)
            ? node
            : _nodes.Values.FirstOrDefault(n => string.Equals((string?)n["name"], id, StringComparison.Ordinal));

    public JsonObject? FindPort(string uuid) => _ports.GetValueOrDefault(uuid);

    public bool RemovePort(string uuid) => _ports.TryRemove(uuid, out _);

    public IEnumerable<JsonObject> PortsOf(string nodeUuid) =>
        _ports.Values.Where(p => string.Equals((string?)p["node_uuid"], nodeUuid, StringComparison.OrdinalIgnoreCase));

    public IEnumerable<JsonObject> PortsWithAddress(string address) =>
        _ports.Values.Where(p => string.Equals((string?)p["address"], address, StringComparison.OrdinalIgnoreCase));

    /// <summary>Makes the next <paramref name="count"/> calls whose path contains <paramref name="pathPart"/>
    /// answer <paramref name="status"/> (e.g. 409 to exercise retries).</summary>
    public void FailNext(string pathPart, int status, int count) => _failures[$"{status}|{pathPart}"] = count;

    /// <summary>Consumes one injected failure for this path, if any.</summary>
    public int? TakeFailure(string path)
    {
        foreach (var (key, left) in _failures)
        {
            var separator = key.IndexOf('|', StringComparison.Ordinal);
            if (left > 0 && path.Contains(key[(separator + 1)..], StringComparison.Ordinal)
                && _failures.TryUpdate(key, left - 1, left))
            {
                return int.Parse(key[..separator], System.Globalization.CultureInfo.InvariantCulture);
            }
        }

        return null;
    }
}
