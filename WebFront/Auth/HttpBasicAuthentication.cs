using System.Text;
using Inspector.WebFront.Api;

namespace Inspector.WebFront.Auth;

/// <summary>
/// <c>auth_strategy = http_basic</c>: every request but version discovery and the ramdisk
/// callback needs a user of the htpasswd file.
/// </summary>
public static class HttpBasicAuthentication
{
    public static IApplicationBuilder UseHttpBasicAuthentication(this IApplicationBuilder app, HtpasswdFile users) =>
        app.Use(async (context, next) =>
        {
            if (IsPublic(context.Request) || IsAuthorized(context.Request, users))
            {
                await next(context);
                return;
            }

            context.Response.Headers.WWWAuthenticate = "Basic realm=\"Baremetal API\"";
            var message = context.Request.Headers.Authorization.Count == 0
                ? "Authorization required"
                : "Incorrect username or password";
            await ApiJson.Error(StatusCodes.Status401Unauthorized, message).ExecuteAsync(context);
        });

    private static bool IsPublic(HttpRequest request)
    {
        var path = (request.Path.Value ?? "/").TrimEnd('/');
        return (HttpMethods.IsGet(request.Method) && path is "" or "/v1")
            || (HttpMethods.IsPost(request.Method) && path == "/v1/continue");
    }

    private static bool IsAuthorized(HttpRequest request, HtpasswdFile users)
    {
        var header = request.Headers.Authorization.ToString();
        if (!header.StartsWith("Basic ", StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        string decoded;
        try
        {
            decoded = Encoding.UTF8.GetString(Convert.FromBase64String(header[6..].Trim()));
        }
        catch (FormatException)
        {
            return false;
        }

        var colon = decoded.IndexOf(':', StringComparison.Ordinal);
        return colon > 0 && users.Verify(decoded[..colon], decoded[(colon + 1)..]);
    }
}
