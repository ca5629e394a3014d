using System.Text.Json.Nodes;
using System.Text.Json;
using Inspector.Grains.Interfaces.Nodes;
using Inspector.Grains.Interfaces.References;
using Inspector.Grains.Json;

namespace Inspector.WebFront.Api;

/// <summary>Stored introspection data: read it, or reapply processing on it.</summary>
public static class IntrospectionDataEndpoints
{
    public static IEndpointRouteBuilder MapIntrospectionDataEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/v1/introspection/{nodeId}/data");
        group.MapGet("", (string nodeId, IGrainFactory grains) => GetAsync(nodeId, grains, processed: true));
        group.MapGet("/unprocessed", (string nodeId, IGrainFactory grains) => GetAsync(nodeId, grains, processed: false));
        group.MapPost("/unprocessed", ReapplyAsync);
        return app;
    }

    private static async Task<IResult> GetAsync(string nodeId, IGrainFactory grains, bool processed)
    {
        var (uuid, error) = await NodeIds.ResolveAsync(grains, nodeId);
        if (uuid is null)
        {
            return error!;
        }

        var result = await grains.NodeDirectory().GetDataAsync(uuid, processed);
        return result.Json is { } json
            ? Results.Text(json, ApiJson.ContentType, System.Text.Encoding.UTF8)
            : ApiJson.Error(StatusCodes.Status404NotFound, result.Message ?? "Introspection data not found");
    }

    private static async Task<IResult> ReapplyAsync(string nodeId, HttpRequest request, IGrainFactory grains)
    {
        var body = await RequestBodies.ReadTextAsync(request);
        string? replacement = null;
        if (!string.IsNullOrWhiteSpace(body))
        {
            try
            {
                if (ClientJson.Parse(body) is not JsonObject)
                {
                    return ApiJson.Error(StatusCodes.Status400BadRequest, "Invalid introspection data: expected a JSON object");
                }
            }
            catch (JsonException e)
            {
                return ApiJson.Error(StatusCodes.Status400BadRequest, $"Invalid JSON in the request body: {e.Message}");
            }

            replacement = body;
        }

        var (uuid, error) = await NodeIds.ResolveAsync(grains, nodeId);
        if (uuid is null)
        {
            return error!;
        }

        var result = await grains.Node(uuid).ReapplyAsync(replacement);
        return NodeIds.Results(result.Outcome, result.Message);
    }
}
