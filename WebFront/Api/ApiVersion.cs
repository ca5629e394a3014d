using System.Numerics;

namespace Inspector.WebFront.Api;

/// <summary>
/// The inspector API's micro-versions: the range goes out on every response, and a request may
/// ask for a version with <c>X-OpenStack-Ironic-Inspector-API-Version</c>.
/// </summary>
public static class ApiVersion
{
    public const string RequestHeader = "X-OpenStack-Ironic-Inspector-API-Version";
    public const string MinimumHeader = "X-OpenStack-Ironic-Inspector-API-Minimum-Version";
    public const string MaximumHeader = "X-OpenStack-Ironic-Inspector-API-Maximum-Version";

    public static readonly Version Minimum = new(1, 0);
    public static readonly Version Maximum = new(1, 18);

    private const string ItemKey = "inspector.api-version";

    private static readonly VersionRequest Latest = new([Maximum.Major, Maximum.Minor]);

    /// <summary>The version the current request asked for (the maximum when it asked for none).</summary>
    public static Version Of(HttpContext context) =>
        context.Items.TryGetValue(ItemKey, out var v) && v is Version version ? version : Maximum;

    /// <summary>
    /// Reads the request header as the reference does: absent or <c>latest</c> mean the maximum;
    /// otherwise dot-separated integers (Python's <c>int</c> of each part), compared with the
    /// range as a tuple, so <c>1.2.3</c> is 1.2 and <c>1.0000001</c> is 1.1. A single number is
    /// malformed (the reference fails on it with a 500).
    /// </summary>
    /// <returns>False when malformed; <paramref name="requested"/> then stays null.</returns>
    public static bool TryRead(string? header, out VersionRequest? requested)
    {
        requested = null;
        if (header is null || header.Trim().Equals("latest", StringComparison.OrdinalIgnoreCase))
        {
            requested = Latest;
            return true;
        }

        var parts = header.Split('.');
        var numbers = new BigInteger[parts.Length];
        for (var i = 0; i < parts.Length; i++)
        {
            if (!PythonInt.TryParse(parts[i], out numbers[i]))
            {
                return false;
            }
        }

        if (numbers.Length < 2)
        {
            return false;
        }

        requested = new VersionRequest(numbers);
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
        if (!TryRead(header, out var requested))
        {
            await ApiJson.Error(StatusCodes.Status400BadRequest,
                $"Malformed API version: expected string in form of X.Y or latest, got {header}").ExecuteAsync(context);
            return;
        }

        if (!requested!.IsWithin(Minimum, Maximum))
        {
            await ApiJson.Error(StatusCodes.Status406NotAcceptable,
                $"Unsupported API version {requested}, supported range is {Minimum.ToString(2)} to {Maximum.ToString(2)}")
                .ExecuteAsync(context);
            return;
        }

        context.Items[ItemKey] = requested.Version;
        await next(context);
    });
}

/// <summary>A requested version as the integers it names, compared as the reference compares tuples.</summary>
public sealed record VersionRequest(IReadOnlyList<BigInteger> Parts)
{
    /// <summary>Within the range, the version is its first two parts: the major is the range's, the minor fits.</summary>
    public Version Version => new((int)Parts[0], (int)Parts[1]);

    public bool IsWithin(Version minimum, Version maximum) =>
        Compare([minimum.Major, minimum.Minor]) >= 0 && Compare([maximum.Major, maximum.Minor]) <= 0;

    /// <summary>
    /// As the reference's <c>'%d.%d'</c> shows two parts (normalised: <c>02.0</c> is 2.0); it fails
    /// on more, where all are shown.
    /// </summary>
    public override string ToString() => string.Join('.', Parts);

    private int Compare(BigInteger[] other)
    {
        for (var i = 0; i < Math.Min(Parts.Count, other.Length); i++)
        {
            var order = Parts[i].CompareTo(other[i]);
            if (order != 0)
            {
                return order;
            }
        }

        return Parts.Count.CompareTo(other.Length);
    }
}
