using System.Globalization;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace Inspector.WebFront.Api;

/// <summary>
/// Limits on the parts of a request other than its body, each answered with a JSON error that
/// names the limit. Kestrel's own limits are set above ours: Kestrel rejects a request before
/// the application sees it, with an empty body, so it only catches what is far beyond ours.
/// </summary>
public static class RequestLimits
{
    /// <summary>Longest request target (path and query string, as sent): 414 beyond.</summary>
    public const int MaxUrlLength = 8192;

    /// <summary>Longest path segment, as sent (a node name in Ironic has at most 255 characters): 400 beyond.</summary>
    public const int MaxPathSegmentLength = 255;

    /// <summary>Longest value of a query parameter (no parameter of the API needs more): 400 beyond.</summary>
    public const int MaxQueryValueLength = 255;

    /// <summary>Largest total size of the request headers, names and values: 431 beyond.</summary>
    public const int MaxHeadersSize = 32 * 1024;

    /// <summary>Deepest nesting of JSON bodies (System.Text.Json's default): 400 beyond.</summary>
    public const int MaxJsonDepth = 64;

    /// <summary>Kestrel's hard limits (an empty 414 or 431 beyond): well above ours, so ours answer first.</summary>
    public const int KestrelMaxRequestLine = 64 * 1024;

    public const int KestrelMaxHeadersSize = 64 * 1024;

    public static void ApplyBackstops(KestrelServerLimits limits)
    {
        limits.MaxRequestLineSize = KestrelMaxRequestLine;
        limits.MaxRequestHeadersTotalSize = KestrelMaxHeadersSize;
    }

    public static IApplicationBuilder UseRequestLimits(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        if (Check(context.Request) is { } refusal)
        {
            await refusal.ExecuteAsync(context);
            return;
        }

        await next(context);
    });

    private static IResult? Check(HttpRequest request)
    {
        var path = request.HttpContext.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpRequestFeature>()?.RawTarget
            ?? request.Path.Value + request.QueryString.Value;
        if (path.Length > MaxUrlLength)
        {
            return ApiJson.Error(StatusCodes.Status414UriTooLong,
                string.Create(CultureInfo.InvariantCulture, $"Request URL too long: {path.Length} characters, the limit is {MaxUrlLength}"));
        }

        var headersSize = 0;
        foreach (var (name, values) in request.Headers)
        {
            headersSize += name.Length;
            foreach (var value in values)
            {
                headersSize += value?.Length ?? 0;
            }
        }

        if (headersSize > MaxHeadersSize)
        {
            return ApiJson.Error(StatusCodes.Status431RequestHeaderFieldsTooLarge,
                string.Create(CultureInfo.InvariantCulture, $"Request headers too large: {headersSize} bytes, the limit is {MaxHeadersSize}"));
        }

        var rawPath = path.Split('?', 2)[0];
        if (rawPath.Split('/').FirstOrDefault(s => s.Length > MaxPathSegmentLength) is { } segment)
        {
            return ApiJson.Error(StatusCodes.Status400BadRequest,
                string.Create(CultureInfo.InvariantCulture,
                    $"Bad request: a path segment of {segment.Length} characters is longer than the limit of {MaxPathSegmentLength}"));
        }

        foreach (var (name, values) in request.Query)
        {
            if (values.Any(v => v?.Length > MaxQueryValueLength))
            {
                return ApiJson.Error(StatusCodes.Status400BadRequest,
                    string.Create(CultureInfo.InvariantCulture,
                        $"Bad request: query parameter {name} is longer than the limit of {MaxQueryValueLength} characters"));
            }
        }

        return null;
    }
}
