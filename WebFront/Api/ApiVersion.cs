using System.Globalization;
using System.Text.RegularExpressions;

namespace Inspector.WebFront.Api;

/// <summary>
/// The inspector API's micro-versions: the range goes out on every response, and a request may
/// ask for a version with <c>X-OpenStack-Ironic-Inspector-API-Version</c>.
/// </summary>
public static partial class ApiVersion
{
    public const string RequestHeader = "X-OpenStack-Ironic-Inspector-API-Version";
    public const string MinimumHeader = "X-OpenStack-Ironic-Inspector-API-Minimum-Version";
    public const string MaximumHeader = "X-OpenStack-Ironic-Inspector-API-Maximum-Version";

    public static readonly Version Minimum = new(1, 0);
    public static readonly Version Maximum = new(1, 18);

    private const string ItemKey = "inspector.api-version";

    /// <summary>The version the current request asked for (the maximum when it asked for none).</summary>
    public static Version Of(HttpContext context) =>
        context.Items.TryGetValue(ItemKey, out var v) && v is Version version ? version : Maximum;

    /// <summary>Parses the request header: absent or <c>latest</c> mean the maximum.</summary>
    public static bool TryParse(string? header, out Version version)
    {
        version = Maximum;
        if (header is null || header.Trim().Equals("latest", StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        var match = VersionPattern().Match(header);
        if (!match.Success
            || !int.TryParse(match.Groups[1].Value, NumberStyles.None, CultureInfo.InvariantCulture, out var major)
            || !int.TryParse(match.Groups[2].Value, NumberStyles.None, CultureInfo.InvariantCulture, out var minor))
        {
            return false;
        }

        version = new Version(major, minor);
        return true;
    }

    /// <summary>Adds the version range to every response and rejects unusable version requests.</summary>
    public static IApplicationBuilder UseApiVersions(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        context.Response.OnStarting(static state =>
        {
            var headers = ((HttpContext)state).Response.Headers;
            headers[MinimumHeader] = Minimum.ToString(2);
            headers[MaximumHeader] = Maximum.ToString(2);
            return Task.CompletedTask;
        }, context);

        string? header = context.Request.Headers[RequestHeader];
        if (!TryParse(header, out var version))
        {
            await ApiJson.Error(StatusCodes.Status400BadRequest,
                $"Malformed API version: expected string in form of X.Y or latest, got {header}").ExecuteAsync(context);
            return;
        }

        if (version < Minimum || version > Maximum)
        {
            await ApiJson.Error(StatusCodes.Status406NotAcceptable,
                $"Unsupported API version {version.ToString(2)}, supported range is {Minimum.ToString(2)} to {Maximum.ToString(2)}")
                .ExecuteAsync(context);
            return;
        }

        context.Items[ItemKey] = version;
        await next(context);
    });

    // X.Y, optionally followed by more components, which the reference ignores.
    [GeneratedRegex(@"^\s*(\d{1,6})\.(\d{1,6})(\.\d{1,6})*\s*$")]
    private static partial Regex VersionPattern();
}
