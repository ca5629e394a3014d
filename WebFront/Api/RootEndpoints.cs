namespace Inspector.WebFront.Api;

/// <summary>Version discovery: <c>GET /</c> and <c>GET /v1</c>, public even with authentication on.</summary>
public static class RootEndpoints
{
    private static readonly string[] Resources = ["continue", "introspection", "rules"];

    public static IEndpointRouteBuilder MapRootEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/", (HttpRequest request) => new JsonBody(StatusCodes.Status200OK, w =>
        {
            w.WriteStartObject();
            w.WriteStartArray("versions");
            w.WriteStartObject();
            w.WriteString("id", ApiVersion.Maximum.ToString(2));
            w.WriteStartArray("links");
            w.WriteStartObject();
            w.WriteString("href", $"{ApiJson.BaseUrl(request)}/v1");
            w.WriteString("rel", "self");
            w.WriteEndObject();
            w.WriteEndArray();
            w.WriteString("status", "CURRENT");
            w.WriteEndObject();
            w.WriteEndArray();
            w.WriteEndObject();
        }));

        app.MapGet("/v1", (HttpRequest request) => new JsonBody(StatusCodes.Status200OK, w =>
        {
            w.WriteStartObject();
            w.WriteStartArray("resources");
            foreach (var name in Resources)
            {
                w.WriteStartObject();
                w.WriteStartArray("links");
                w.WriteStartObject();
                w.WriteString("href", $"{ApiJson.BaseUrl(request)}/v1/{name}");
                w.WriteString("rel", "self");
                w.WriteEndObject();
                w.WriteEndArray();
                w.WriteString("name", name);
                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteEndObject();
        }));

        // Any other single segment is an unknown API version to the reference, which names it.
        app.MapGet("/{version}", (string version) =>
            ApiJson.Error(StatusCodes.Status404NotFound, $"Version {version} not found."));
        return app;
    }
}
