using Inspector.Grains.Configuration;
using Inspector.Grains.Interfaces.Nodes;
using Inspector.Grains.Interfaces.References;
using Microsoft.Extensions.Options;

namespace Inspector.WebFront.Api;

/// <summary>The <c>/v1/introspection</c> resource: start, status, list and abort.</summary>
public static class IntrospectionEndpoints
{
    public static IEndpointRouteBuilder MapIntrospectionEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/v1/introspection");
        group.MapGet("", ListAsync);
        group.MapPost("/{nodeId}", StartAsync);
        group.MapGet("/{nodeId}", GetStatusAsync);
        group.MapPost("/{nodeId}/abort", AbortAsync);
        return app;
    }

    private static async Task<IResult> StartAsync(
        string nodeId, HttpRequest request, IGrainFactory grains, IOptions<DefaultOptions> options, IOptions<ProcessingOptions> processing)
    {
        var newUsername = request.Query.First("new_ipmi_username");
        var newPassword = request.Query.First("new_ipmi_password");
        if (newUsername is not null || newPassword is not null)
        {
            if (!processing.Value.EnableSettingIpmiCredentials)
            {
                return ApiJson.Error(StatusCodes.Status400BadRequest,
                    "Setting IPMI credentials is disabled; set [processing] enable_setting_ipmi_credentials to enable it");
            }

            if (newPassword is null || newPassword.Length is < 1 or > 20 || !newPassword.All(char.IsAsciiLetterOrDigit))
            {
                return ApiJson.Error(StatusCodes.Status400BadRequest,
                    "new_ipmi_password must be 1 to 20 letters and digits (the IPMI 2.0 limit)");
            }
        }

        var manageBoot = true;
        if (request.Query.First("manage_boot") is { } raw)
        {
            if (!OsloBool.TryParse(raw, out manageBoot))
            {
                return ApiJson.Error(StatusCodes.Status400BadRequest, $"Invalid boolean value for manage_boot: {raw}");
            }
        }

        if (manageBoot && !options.Value.CanManageBoot)
        {
            return ApiJson.Error(StatusCodes.Status400BadRequest,
                "Managed boot is requested, but this installation cannot manage boot (can_manage_boot set to False)");
        }

        var (uuid, error) = await NodeIds.ResolveAsync(grains, nodeId);
        if (uuid is null)
        {
            return error!;
        }

        var result = await grains.Node(uuid).StartAsync(new StartIntrospection(manageBoot, newUsername, newPassword));
        return NodeIds.Results(result.Outcome, result.Message);
    }

    private static async Task<IResult> GetStatusAsync(string nodeId, HttpRequest request, IGrainFactory grains)
    {
        var (uuid, error) = await NodeIds.ResolveAsync(grains, nodeId);
        if (uuid is null)
        {
            return error!;
        }

        var status = await grains.Node(uuid).GetStatusAsync();
        if (status is null)
        {
            return ApiJson.Error(StatusCodes.Status404NotFound, $"Could not find node {uuid} in cache");
        }

        var baseUrl = ApiJson.BaseUrl(request);
        return new JsonBody(StatusCodes.Status200OK, w => ApiJson.WriteStatus(w, status, baseUrl));
    }

    private static async Task<IResult> AbortAsync(string nodeId, IGrainFactory grains)
    {
        var (uuid, error) = await NodeIds.ResolveAsync(grains, nodeId);
        if (uuid is null)
        {
            return error!;
        }

        var result = await grains.Node(uuid).AbortAsync();
        return NodeIds.Results(result.Outcome, result.Message);
    }

    private static async Task<IResult> ListAsync(HttpRequest request, IGrainFactory grains, IOptions<DefaultOptions> options)
    {
        var maxLimit = options.Value.ApiMaxLimit;
        var limit = maxLimit;
        if (request.Query.First("limit") is { } text)
        {
            if (!PythonInt.TryParse(text, out var requested))
            {
                return BadRequest($"invalid literal for int() with base 10: '{text}'");
            }

            if (requested < 0)
            {
                return BadRequest("Limit cannot be negative");
            }

            if (requested > maxLimit)
            {
                return BadRequest($"Limit over {maxLimit}");
            }

            limit = requested == 0 ? maxLimit : (int)requested;
        }

        string? marker = null;
        if (request.Query.First("marker") is { } rawMarker)
        {
            if (!NodeIds.TryNormalizeUuid(rawMarker, out var markerUuid))
            {
                return BadRequest("Marker not UUID-like");
            }

            marker = markerUuid;
        }

        List<IntrospectionState>? states = null;
        if (request.Query.First("state") is { } rawStates)
        {
            var names = rawStates.Split(',');
            var invalid = names.Where(n => !IntrospectionStateNames.TryParse(n, out _)).ToList();
            if (invalid.Count > 0)
            {
                return BadRequest($"State(s) \"{string.Join(", ", invalid)}\" are not valid");
            }

            states = [.. names.Select(n => { IntrospectionStateNames.TryParse(n, out var s); return s; }).Distinct()];
        }

        var page = await grains.NodeDirectory().ListAsync(new StatusQuery(limit, marker, states));
        if (page.MarkerNotFound)
        {
            // The reference's message really reads "None" here.
            return ApiJson.Error(StatusCodes.Status404NotFound, "Node not found for marker: None");
        }

        var baseUrl = ApiJson.BaseUrl(request);
        return new JsonBody(StatusCodes.Status200OK, w =>
        {
            w.WriteStartObject();
            w.WriteStartArray("introspection");
            foreach (var status in page.Items)
            {
                ApiJson.WriteStatus(w, status, baseUrl);
            }

            w.WriteEndArray();
            w.WriteEndObject();
        });
    }

    /// <summary>The first value of a repeated parameter, as the reference's <c>request.args.get</c> reads it.</summary>
    private static string? First(this IQueryCollection query, string name) =>
        query.TryGetValue(name, out var values) && values.Count > 0 ? values[0] : null;

    private static IResult BadRequest(string detail) =>
        ApiJson.Error(StatusCodes.Status400BadRequest, $"Bad request: {detail}");
}
