using Microsoft.AspNetCore.WebUtilities;
using Orleans.Runtime;
using Orleans.Runtime.Messaging;

namespace Inspector.WebFront.Api;

/// <summary>
/// Every failure reaches the client as a JSON error: unknown paths (404), wrong methods (405),
/// unreadable bodies (400), a cluster that is momentarily unreachable (503 with Retry-After),
/// and, as a last resort, a 500 that still carries the API's error format.
/// </summary>
public static class ErrorHandling
{
    public const string NotFoundMessage =
        "404 Not Found: The requested URL was not found on the server. If you entered the URL manually please check your spelling and try again.";

    public const string MethodNotAllowedMessage =
        "405 Method Not Allowed: The method is not allowed for the requested URL.";

    public static IApplicationBuilder UseApiErrors(this IApplicationBuilder app)
    {
        app.Use(async (context, next) =>
        {
            try
            {
                await next(context);
            }
            catch (Exception e) when (IsClusterUnavailable(e) && !context.Response.HasStarted)
            {
                context.Response.Clear();
                context.Response.Headers.RetryAfter = "5";
                await ApiJson.Error(StatusCodes.Status503ServiceUnavailable,
                    $"Service temporarily unavailable, please retry later: {e.Message}").ExecuteAsync(context);
            }
            catch (BadHttpRequestException e) when (!context.Response.HasStarted)
            {
                context.Response.Clear();
                await ApiJson.Error(e.StatusCode, $"Bad request: {e.Message}").ExecuteAsync(context);
            }
            catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
            {
                // The client went away; nobody is left to answer.
            }
            catch (Exception e) when (!context.Response.HasStarted)
            {
                context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger("Inspector.Api")
                    .LogError(e, "Unhandled error on {Method} {Path}", context.Request.Method, context.Request.Path);
                context.Response.Clear();
                await ApiJson.Error(StatusCodes.Status500InternalServerError,
                    $"Internal server error ({e.GetType().Name}): {e.Message}").ExecuteAsync(context);
            }
        });

        // Routing leaves 404 and 405 with empty bodies; give them the API's error format.
        app.UseStatusCodePages(async status =>
        {
            var context = status.HttpContext;
            var message = context.Response.StatusCode switch
            {
                StatusCodes.Status404NotFound => NotFoundMessage,
                StatusCodes.Status405MethodNotAllowed => MethodNotAllowedMessage,
                var code => $"{code} {ReasonPhrases.GetReasonPhrase(code)}",
            };
            await ApiJson.Error(context.Response.StatusCode, message).ExecuteAsync(context);
        });
        return app;
    }

    private static bool IsClusterUnavailable(Exception e) => e is SiloUnavailableException
        or OrleansMessageRejectionException or TimeoutException
        or GatewayTooBusyException or ClientNotAvailableException
        // A web front that is an Orleans client gets this while its gateway silo is down.
        or ConnectionFailedException;
}
