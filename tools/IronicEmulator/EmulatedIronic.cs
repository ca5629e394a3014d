using System.Collections.Concurrent;
using System.Text.Json.Nodes;

namespace Inspector.IronicEmulator;

/// <summary>One recorded call to the emulated Ironic, for tests that count what reached Ironic.</summary>
public sealed record IronicCall(string Method, string Path, string? Body);

/// <summary>
/// The in-memory state of an emulated Ironic: nodes, ports, traits and a log of calls. Thread
/// safe without a global lock: every node and port is locked on its own, and ports are indexed
/// by node and by address so that no call scans the whole fleet.
/// </summary>
public sealed class EmulatedIronic
{
    private static readonly StringComparer Ids = StringComparer.OrdinalIgnoreCase;

    private readonly ConcurrentDictionary<string, EmulatedNode> _nodes = new(Ids);
    private readonly ConcurrentDictionary<string, string> _uuidsByName = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, JsonObject> _ports = new(Ids);
    private readonly ConcurrentDictionary<string, ConcurrentDictionary<string, JsonObject>> _portsByNode = new(Ids);
    private readonly ConcurrentDictionary<string, ConcurrentDictionary<string, JsonObject>> _portsByAddress = new(Ids);
    private readonly ConcurrentQueue<IronicCall> _calls = new();
    private readonly ConcurrentDictionary<string, int> _failures = new();
    private readonly ConcurrentDictionary<string, Task> _holds = new();
    private readonly CreationOrder _nodeOrder = new();
    private readonly CreationOrder _portOrder = new();
    private long _callCount;

    /// <summary>Raised after a power state change was accepted: node UUID and the requested target
    /// (e.g. <c>rebooting</c>). Handlers must not block: they run on the request's thread.</summary>
    public event Action<string, string>? PowerRequested;

    /// <summary>The API version the emulator advertises as its maximum.</summary>
    public string MaxVersion { get; set; } = "1.78";

    /// <summary>Added to every call, to imitate a real Ironic's latency.</summary>
    public TimeSpan Latency { get; set; }

    /// <summary>Whether every call is kept in <see cref="Calls"/> with its body (tests); a fleet
    /// emulator turns it off and only counts.</summary>
    public bool RecordCalls { get; set; } = true;

    public IEnumerable<IronicCall> Calls => _calls;

    /// <summary>Every call received, recorded or not.</summary>
    public long CallCount => Interlocked.Read(ref _callCount);

    public IReadOnlyCollection<JsonObject> Nodes => [.. _nodes.Values.Select(n => n.Json)];

    public int NodeCount => _nodes.Count;

    public IReadOnlyCollection<JsonObject> AllPorts => [.. _ports.Values];

    public void ClearCalls() => _calls.Clear();

    /// <summary>Counts a call and, when recording, keeps it.</summary>
    public void Record(string method, string path, string? body)
    {
        Interlocked.Increment(ref _callCount);
        if (RecordCalls)
        {
            _calls.Enqueue(new IronicCall(method, path, body));
        }
    }

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
        _nodes[uuid] = new EmulatedNode(uuid, node);
        if (name is not null)
        {
            _uuidsByName[name] = uuid;
        }

        _nodeOrder.Add(uuid);
        foreach (var mac in macs ?? [])
        {
            AddPort(uuid, mac, pxeEnabled: true);
        }

        return uuid;
    }

    public JsonObject AddPort(string nodeUuid, string address, bool pxeEnabled, JsonObject? extra = null)
    {
        var uuid = Guid.NewGuid().ToString();
        var port = new JsonObject
        {
            ["uuid"] = uuid,
            ["address"] = address.ToLowerInvariant(),
            ["node_uuid"] = nodeUuid,
            ["pxe_enabled"] = pxeEnabled,
            ["extra"] = extra ?? new JsonObject(),
            ["local_link_connection"] = new JsonObject(),
        };
        _ports[uuid] = port;
        Index(uuid, nodeUuid, address, port);
        _portOrder.Add(uuid);
        return port;
    }

    public bool RemoveNode(string uuid)
    {
        foreach (var port in PortsOf(uuid).ToList())
        {
            RemovePort((string)port["uuid"]!);
        }

        if (!_nodes.TryRemove(uuid, out var removed))
        {
            return false;
        }

        if ((string?)removed.Json["name"] is { } name)
        {
            _uuidsByName.TryRemove(new KeyValuePair<string, string>(name, removed.Uuid));
        }

        _nodeOrder.Remove(uuid);
        return true;
    }

    /// <summary>Finds a node by UUID or by name.</summary>
    public JsonObject? FindNode(string id) => Find(id)?.Json;

    /// <summary>Finds a node by UUID or by name, with its call counter.</summary>
    public EmulatedNode? Find(string id) =>
        _nodes.TryGetValue(id, out var node) ? node
        : _uuidsByName.TryGetValue(id, out var uuid) && _nodes.TryGetValue(uuid, out node) ? node
        : null;

    public JsonObject? FindPort(string uuid) => _ports.GetValueOrDefault(uuid);

    public bool RemovePort(string uuid)
    {
        if (!_ports.TryRemove(uuid, out var port))
        {
            return false;
        }

        lock (port)
        {
            Unindex(uuid, (string?)port["node_uuid"], (string?)port["address"]);
        }

        _portOrder.Remove(uuid);
        return true;
    }

    public IEnumerable<JsonObject> PortsOf(string nodeUuid) =>
        _portsByNode.TryGetValue(nodeUuid, out var ports) ? ports.Values : [];

    public IEnumerable<JsonObject> PortsWithAddress(string address) =>
        _portsByAddress.TryGetValue(address, out var ports) ? ports.Values : [];

    /// <summary>Applies a JSON patch to a node, keeping the name index right; returns an error or null.</summary>
    public string? PatchNode(EmulatedNode node, JsonArray patch)
    {
        lock (node.Json)
        {
            var before = (string?)node.Json["name"];
            var error = JsonPatch.Apply(node.Json, patch);
            var after = (string?)node.Json["name"];
            if (before != after)
            {
                if (before is not null)
                {
                    _uuidsByName.TryRemove(new KeyValuePair<string, string>(before, node.Uuid));
                }

                if (after is not null)
                {
                    _uuidsByName[after] = node.Uuid;
                }
            }

            return error;
        }
    }

    /// <summary>Applies a JSON patch to a port, keeping the indexes right; returns an error or null.</summary>
    public string? PatchPort(JsonObject port, JsonArray patch)
    {
        lock (port)
        {
            var uuid = (string)port["uuid"]!;
            var (node, address) = ((string?)port["node_uuid"], (string?)port["address"]);
            var error = JsonPatch.Apply(port, patch);
            var (newNode, newAddress) = ((string?)port["node_uuid"], (string?)port["address"]);
            if (newNode != node || newAddress != address)
            {
                Unindex(uuid, node, address);
                Index(uuid, newNode, newAddress, port);
            }

            return error;
        }
    }

    /// <summary>Node UUIDs in creation order (Ironic's default order), for paged listing.</summary>
    public CreationOrder NodeOrder => _nodeOrder;

    /// <summary>Port UUIDs in creation order (Ironic's default order), for paged listing.</summary>
    public CreationOrder PortOrder => _portOrder;

    /// <summary>Tells the subscribers (e.g. a ramdisk emulator) that a node's power was changed.</summary>
    public void OnPowerRequested(string uuid, string target) => PowerRequested?.Invoke(uuid, target);

    /// <summary>Makes the next <paramref name="count"/> calls whose path contains <paramref name="pathPart"/>
    /// answer <paramref name="status"/> (e.g. 409 to exercise retries).</summary>
    public void FailNext(string pathPart, int status, int count) => _failures[$"{status}|{pathPart}"] = count;

    /// <summary>
    /// Makes every call whose path contains <paramref name="pathPart"/> wait until
    /// <paramref name="release"/> completes (e.g. to keep one node's processing in flight).
    /// </summary>
    public void Hold(string pathPart, Task release) => _holds[pathPart] = release;

    /// <summary>What this call must wait for before it is answered (completed when nothing holds it).</summary>
    public Task HeldUntil(string path)
    {
        if (_holds.IsEmpty)
        {
            return Task.CompletedTask;
        }

        return Task.WhenAll(_holds.Where(h => path.Contains(h.Key, StringComparison.Ordinal)).Select(h => h.Value));
    }

    /// <summary>Consumes one injected failure for this path, if any.</summary>
    public int? TakeFailure(string path)
    {
        if (_failures.IsEmpty)
        {
            return null;
        }

        foreach (var (key, left) in _failures)
        {
            var separator = key.IndexOf('|', StringComparison.Ordinal);
            if (left > 0 && path.Contains(key[(separator + 1)..], StringComparison.Ordinal)
                && _failures.TryUpdate(key, left - 1, left))
            {
                if (left == 1)
                {
                    // Spent failures go, so that the common case (none armed) costs nothing.
                    _failures.TryRemove(new KeyValuePair<string, int>(key, 0));
                }

                return int.Parse(key[..separator], System.Globalization.CultureInfo.InvariantCulture);
            }
        }

        return null;
    }

    private void Index(string portUuid, string? nodeUuid, string? address, JsonObject port)
    {
        if (nodeUuid is not null)
        {
            _portsByNode.GetOrAdd(nodeUuid, _ => new(Ids))[portUuid] = port;
        }

        if (address is not null)
        {
            _portsByAddress.GetOrAdd(address, _ => new(Ids))[portUuid] = port;
        }
    }

    private void Unindex(string portUuid, string? nodeUuid, string? address)
    {
        if (nodeUuid is not null && _portsByNode.TryGetValue(nodeUuid, out var byNode))
        {
            byNode.TryRemove(portUuid, out _);
        }

        if (address is not null && _portsByAddress.TryGetValue(address, out var byAddress))
        {
            byAddress.TryRemove(portUuid, out _);
        }
    }
}

/// <summary>A node of the emulated Ironic: its JSON document and how many calls concerned it.</summary>
public sealed class EmulatedNode(string uuid, JsonObject json)
{
    private int _calls;

    public string Uuid { get; } = uuid;

    public JsonObject Json { get; } = json;

    /// <summary>Calls to Ironic that named this node (by UUID or name, its ports, its traits).</summary>
    public int CallCount => Volatile.Read(ref _calls);

    public void CountCall() => Interlocked.Increment(ref _calls);

    public void ResetCalls() => Interlocked.Exchange(ref _calls, 0);
}
