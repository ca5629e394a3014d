using Inspector.Grains.Interfaces.Rules;

namespace Inspector.WebFront.Api;

/// <summary>The <c>/v1/rules</c> resource: introspection rules.</summary>
public static class RuleEndpoints
{
    /// <summary>Before this version, creating a rule answers 200 instead of 201.</summary>
    private static readonly Version CreatedSince = new(1, 6);

    public static IEndpointRouteBuilder MapRuleEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/v1/rules");
        group.MapPost("", async (HttpRequest request, IGrainFactory grains) =>
        {
            var body = await RequestBodies.ReadTextAsync(request);
            var reply = await Rules(grains).CreateAsync(body);
            if (reply.Status == StatusCodes.Status201Created && ApiVersion.Of(request.HttpContext) < CreatedSince)
            {
                reply = reply with { Status = StatusCodes.Status200OK };
            }

            return ToResult(reply);
        });
        group.MapGet("", async (IGrainFactory grains) => ToResult(await Rules(grains).ListAsync()));
        group.MapDelete("", async (IGrainFactory grains) => ToResult(await Rules(grains).DeleteAllAsync()));
        group.MapGet("/{uuid}", async (string uuid, IGrainFactory grains) => ToResult(await Rules(grains).GetAsync(uuid)));
        group.MapDelete("/{uuid}", async (string uuid, IGrainFactory grains) => ToResult(await Rules(grains).DeleteAsync(uuid)));
        return app;
    }

    private static IRulesGrain Rules(IGrainFactory grains) => grains.GetGrain<IRulesGrain>(0);

    private static IResult ToResult(RuleReply reply) => reply switch
    {
        { Status: StatusCodes.Status204NoContent } => EmptyBody.NoContent,
        { Json: { } json } => Results.Text(json, ApiJson.ContentType, System.Text.Encoding.UTF8, reply.Status),
        _ => ApiJson.Error(reply.Status, reply.Message ?? "Rule request failed"),
    };
}
