using System.Text.Json.Nodes;

namespace Inspector.Grains.Ironic;

/// <summary>
/// An Ironic node as Ironic returns it. The whole document is kept because introspection rules
/// (<c>node://</c> fields) may address any of its fields.
/// </summary>
public sealed class IronicNode(JsonObject document)
{
    public JsonObject Document { get; } = document;

    public string Uuid => (string?)Document["uuid"] ?? "";

    public string? Name => (string?)Document["name"];

    public string ProvisionState => (string?)Document["provision_state"] ?? "";

    public JsonObject DriverInfo => Document["driver_info"] as JsonObject ?? [];

    public JsonObject Properties => Document["properties"] as JsonObject ?? [];

    /// <summary>Deployed (or rescued) by Ironic: its ports are never changed and it is not powered off.</summary>
    public bool IsActive => ProvisionState.ToLowerInvariant() is "active" or "rescue";
}

/// <summary>An Ironic port (a NIC of a node).</summary>
public sealed record IronicPort(
    string Uuid, string Address, string? NodeUuid, bool PxeEnabled, JsonObject Extra, JsonObject LocalLinkConnection, string? PhysicalNetwork);

/// <summary>Ironic's answer to a node's driver interface validation.</summary>
public sealed record InterfaceValidation(bool Result, string? Reason);

/// <summary>Ironic answered with an error status, or could not be reached.</summary>
public sealed class IronicException(string message, int? statusCode = null, Exception? inner = null)
    : Exception(message, inner)
{
    /// <summary>Null when Ironic could not be reached at all.</summary>
    public int? StatusCode { get; } = statusCode;
}
