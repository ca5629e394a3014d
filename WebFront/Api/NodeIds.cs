using Inspector.Grains.Interfaces.Nodes;
using Inspector.Grains.Interfaces.References;

namespace Inspector.WebFront.Api;

/// <summary>Node identifiers in paths: a UUID (as oslo's <c>is_uuid_like</c> accepts it) or an Ironic name.</summary>
public static class NodeIds
{
    /// <summary>Recognises a UUID and returns it in canonical form (lower case, with dashes).</summary>
    public static bool TryNormalizeUuid(string? value, out string uuid)
    {
        uuid = "";
        if (string.IsNullOrEmpty(value))
        {
            return false;
        }

        var text = value.ToLowerInvariant();
        text = text.StartsWith("urn:", StringComparison.Ordinal) ? text[4..] : text;
        text = text.StartsWith("uuid:", StringComparison.Ordinal) ? text[5..] : text;
        text = text.Trim('{', '}');
        if (Guid.TryParseExact(text, "D", out var guid) || Guid.TryParseExact(text, "N", out guid))
        {
            uuid = guid.ToString("D");
            return true;
        }

        return false;
    }

    /// <summary>
    /// The UUID of a node given by UUID (no Ironic call) or by name (resolved through Ironic);
    /// on failure, the error response to send.
    /// </summary>
    public static async Task<(string? Uuid, IResult? Error)> ResolveAsync(IGrainFactory grains, string nodeId)
    {
        if (TryNormalizeUuid(nodeId, out var uuid))
        {
            return (uuid, null);
        }

        var resolution = await grains.NodeDirectory().ResolveAsync(nodeId);
        return resolution.Uuid is { } resolved
            ? (resolved, null)
            : (null, Results(resolution.Outcome, resolution.Message ?? $"Cannot resolve node {nodeId}"));
    }

    public static IResult Results(CommandOutcome outcome, string? message) => outcome switch
    {
        CommandOutcome.Accepted => ApiJson.Accepted(),
        CommandOutcome.NotFound => ApiJson.Error(StatusCodes.Status404NotFound, message ?? "Not found"),
        CommandOutcome.Locked => ApiJson.Error(StatusCodes.Status409Conflict, message ?? "Node is locked, please, retry later"),
        CommandOutcome.Unavailable => ApiJson.Error(StatusCodes.Status503ServiceUnavailable, message ?? "Service unavailable"),
        _ => ApiJson.Error(StatusCodes.Status400BadRequest, message ?? "Bad request"),
    };
}
