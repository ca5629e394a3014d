using System.Text.Json.Nodes;
using Inspector.Grains.Ironic;

namespace Inspector.Grains.Processing;

/// <summary>
/// The changes one processing run makes to an Ironic node, collected from every hook (and
/// rule) and sent as one JSON patch plus the port changes, instead of a request per property.
/// </summary>
public sealed class NodeUpdate(IronicNode node, bool overwriteExisting)
{
    private readonly Dictionary<string, JsonNode?> _patch = new(StringComparer.Ordinal);
    private readonly List<string> _patchOrder = [];
    private readonly HashSet<string> _removals = new(StringComparer.Ordinal);
    private Dictionary<string, string>? _capabilities;

    public IronicNode Node { get; } = node;

    public List<PortToCreate> PortsToCreate { get; } = [];

    public List<string> PortsToDelete { get; } = [];

    public List<(string PortUuid, JsonArray Patch)> PortPatches { get; } = [];

    /// <summary>Traits to add, then to remove (introspection rules).</summary>
    public List<string> TraitsToAdd { get; } = [];

    public List<string> TraitsToRemove { get; } = [];

    /// <summary>True when this update changes nothing in Ironic.</summary>
    public bool IsEmpty => _patch.Count == 0 && _capabilities is null && PortsToCreate.Count == 0
        && PortsToDelete.Count == 0 && PortPatches.Count == 0 && TraitsToAdd.Count == 0 && TraitsToRemove.Count == 0;

    /// <summary>Sent with the patch when it changes the driver: resets the interfaces to the new driver's defaults.</summary>
    public bool ResetInterfaces { get; set; }

    /// <summary>The value at a JSON pointer path as it will be after this update, or null.</summary>
    public JsonNode? Current(string path)
    {
        if (_patch.TryGetValue(path, out var pending))
        {
            return pending;
        }

        JsonNode? node = Node.Document;
        foreach (var segment in path.TrimStart('/').Split('/'))
        {
            node = node is JsonObject o ? o[segment.Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal)] : null;
        }

        return node;
    }

    /// <summary>The node document with this update's patch applied, for rules that read <c>node://</c> fields.</summary>
    public JsonObject ProjectedNode()
    {
        var projected = (JsonObject)Node.Document.DeepClone();
        foreach (var operation in NodePatch())
        {
            var segments = ((string)operation!["path"]!).TrimStart('/').Split('/');
            var parent = projected;
            foreach (var segment in segments[..^1])
            {
                if (parent[segment] is not JsonObject child)
                {
                    parent[segment] = child = [];
                }

                parent = child;
            }

            parent[segments[^1]] = operation["value"]?.DeepClone();
        }

        return projected;
    }

    /// <summary>Sets <c>/properties/NAME</c> unless it has a value and overwrite_existing is off.</summary>
    public void SetProperty(string name, JsonNode? value)
    {
        if (overwriteExisting || Node.Properties[name] is null)
        {
            Set($"/properties/{name}", value);
        }
    }

    /// <summary>An <c>add</c> operation on any path of the node (later ones for the same path win).</summary>
    public void Set(string path, JsonNode? value)
    {
        if (!_patch.ContainsKey(path))
        {
            _patchOrder.Add(path);
        }

        _patch[path] = value;
        _removals.Remove(path);
    }

    /// <summary>A <c>remove</c> operation on a path of the node (the last of Set and Remove for a path wins).</summary>
    public void Remove(string path)
    {
        Set(path, null);
        _removals.Add(path);
    }

    /// <summary>Merges capabilities into the node's <c>properties.capabilities</c> string.</summary>
    public void UpdateCapabilities(IEnumerable<KeyValuePair<string, string>> capabilities)
    {
        _capabilities ??= ParseCapabilities((string?)Node.Properties["capabilities"]);
        foreach (var (name, value) in capabilities)
        {
            _capabilities[name] = value;
        }
    }

    /// <summary>The capabilities as they will be after this update.</summary>
    public IReadOnlyDictionary<string, string> Capabilities =>
        _capabilities ?? ParseCapabilities((string?)Node.Properties["capabilities"]);

    /// <summary>The JSON patch for the node: every operation, in the order first set.</summary>
    public JsonArray NodePatch()
    {
        var patch = new JsonArray();
        foreach (var path in _patchOrder)
        {
            patch.Add(_removals.Contains(path)
                ? new JsonObject { ["op"] = "remove", ["path"] = path }
                : new JsonObject { ["op"] = "add", ["path"] = path, ["value"] = _patch[path]?.DeepClone() });
        }

        if (_capabilities is not null)
        {
            patch.Add(new JsonObject
            {
                ["op"] = "add",
                ["path"] = "/properties/capabilities",
                ["value"] = string.Join(",", _capabilities.Select(c => $"{c.Key}:{c.Value}")),
            });
        }

        return patch;
    }

    /// <summary>Ironic's capabilities string <c>k1:v1,k2:v2</c>, in order.</summary>
    public static Dictionary<string, string> ParseCapabilities(string? text)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var item in (text ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var colon = item.IndexOf(':', StringComparison.Ordinal);
            if (colon > 0)
            {
                result[item[..colon]] = item[(colon + 1)..];
            }
        }

        return result;
    }
}

/// <summary>A port to create for a NIC the ramdisk reported.</summary>
public sealed record PortToCreate(string Address, bool PxeEnabled, JsonObject Extra, JsonObject? LocalLinkConnection = null, string? PhysicalNetwork = null)
{
    /// <summary>The body of Ironic's port creation (without the node, which the client adds).</summary>
    public JsonObject ToJson()
    {
        var port = new JsonObject { ["address"] = Address, ["pxe_enabled"] = PxeEnabled, ["extra"] = Extra.DeepClone() };
        if (LocalLinkConnection is { Count: > 0 })
        {
            port["local_link_connection"] = LocalLinkConnection.DeepClone();
        }

        if (PhysicalNetwork is not null)
        {
            port["physical_network"] = PhysicalNetwork;
        }

        return port;
    }
}
