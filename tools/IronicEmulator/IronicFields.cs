using System.Text.Json;
using System.Text.Json.Nodes;

namespace Inspector.IronicEmulator;

/// <summary>
/// Ironic's <c>fields</c> query parameter: which fields of a node or port an answer carries.
/// Lists without it carry Ironic's short default set; an unknown field is a 400, as in Ironic.
/// </summary>
public static class IronicFields
{
    public static readonly string[] NodeFields =
        ["uuid", "name", "driver", "provision_state", "power_state", "maintenance", "instance_uuid", "driver_info", "properties", "extra", "traits", "resource_class"];

    /// <summary>What <c>GET /v1/nodes</c> returns per node without <c>fields</c>.</summary>
    public static readonly string[] NodeListFields = ["uuid", "name", "instance_uuid", "power_state", "provision_state", "maintenance"];

    public static readonly string[] PortFields = ["uuid", "address", "node_uuid", "pxe_enabled", "extra", "local_link_connection", "physical_network"];

    /// <summary>What <c>GET /v1/ports</c> returns per port without <c>fields</c>.</summary>
    public static readonly string[] PortListFields = ["uuid", "address"];

    /// <summary>The requested fields (comma separated, possibly repeated), or the defaults; an error for unknown ones.</summary>
    public static (string[] Fields, string? Error) Parse(string? requested, string[] known, string[] defaults)
    {
        if (string.IsNullOrWhiteSpace(requested))
        {
            return (defaults, null);
        }

        var fields = requested.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Distinct().ToArray();
        var unknown = fields.Where(f => !known.Contains(f)).ToList();
        return unknown.Count == 0 ? (fields, null) : (fields, $"Field(s) \"{string.Join(", ", unknown)}\" are not valid");
    }

    /// <summary>A copy of <paramref name="source"/> with only <paramref name="fields"/> (missing ones as null).</summary>
    public static JsonObject Select(JsonObject source, IEnumerable<string> fields)
    {
        lock (source)
        {
            var view = new JsonObject();
            foreach (var field in fields)
            {
                view[field] = source[field]?.DeepClone();
            }

            return view;
        }
    }

    /// <summary>
    /// The JSON of <see cref="Select"/>, written straight from <paramref name="source"/> under its
    /// lock: the answers read most (a node, a patched node) cost no copy of the node's tree.
    /// </summary>
    public static byte[] Write(JsonObject source, IEnumerable<string> fields)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(2048);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            lock (source)
            {
                writer.WriteStartObject();
                foreach (var field in fields)
                {
                    writer.WritePropertyName(field);
                    if (source[field] is { } value)
                    {
                        value.WriteTo(writer);
                    }
                    else
                    {
                        writer.WriteNullValue();
                    }
                }

                writer.WriteEndObject();
            }
        }

        return buffer.WrittenSpan.ToArray();
    }
}
