namespace Inspector.WebFront.Api;

/// <summary>
/// HEAD and OPTIONS on every route, as Flask provides them to the reference: HEAD is the GET
/// without its body (same status and headers), OPTIONS is 200 with an empty body and an
/// <c>Allow</c> header naming the route's methods. Both wrap routing, which itself only knows the
/// methods each endpoint maps.
/// </summary>
public static class AutomaticMethods
{
    /// <summary>The display name of the endpoint routing picks when only the method does not match.</summary>
    private const string MethodRejection = "405 HTTP Method Not Supported";

    public static IApplicationBuilder UseRoutingWithAutomaticMethods(this IApplicationBuilder app)
    {
        app.Use((context, next) =>
        {
            // Kestrel still knows the request as HEAD, and drops whatever body the GET writes.
            if (HttpMethods.IsHead(context.Request.Method))
            {
                context.Request.Method = HttpMethods.Get;
            }

            return next(context);
        });
        app.UseRouting();
        app.Use(async (context, next) =>
        {
            if (context.GetEndpoint() is not { DisplayName: MethodRejection } rejection)
            {
                await next(context);
                return;
            }

            // Routing chose its 405 endpoint: the path is known, and that endpoint names the
            // mapped methods in Allow; the automatic ones join them, on 405s as on OPTIONS.
            await rejection.RequestDelegate!(context);
            var methods = context.Response.Headers.Allow.ToString()
                .Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).ToList();
            if (methods.Contains(HttpMethods.Get))
            {
                methods.Add(HttpMethods.Head);
            }

            methods.Add(HttpMethods.Options);
            context.Response.Headers.Allow = string.Join(", ", methods.Distinct().Order(StringComparer.Ordinal));
            if (HttpMethods.IsOptions(context.Request.Method))
            {
                context.Response.StatusCode = StatusCodes.Status200OK;
                context.Response.ContentType = "text/html; charset=utf-8";
                context.Response.ContentLength = 0;
            }
        });
        return app;
    }
}
