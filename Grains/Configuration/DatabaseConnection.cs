using System.Globalization;
using Npgsql;

namespace Inspector.Grains.Configuration;

/// <summary>
/// The <c>[database] connection</c> URL, in ironic-inspector's SQLAlchemy form. <see cref="Target"/>
/// is the database file for SQLite and an Npgsql connection string for PostgreSQL.
/// </summary>
public sealed record DatabaseConnection(string Kind, string Target)
{
    public const string Sqlite = "sqlite";
    public const string Postgres = "postgresql";

    private const string Option = "[database] connection";

    /// <summary>The URL schemes SQLAlchemy users write for PostgreSQL; the driver part means nothing here.</summary>
    private static readonly string[] PostgresSchemes = ["postgresql", "postgres", "postgresql+psycopg2", "postgresql+psycopg"];

    public bool IsPostgres => Kind == Postgres;

    /// <summary>Where the database is, for messages: the file, or host:port/database (never the password).</summary>
    public string Describe()
    {
        if (!IsPostgres)
        {
            return Target;
        }

        var builder = new NpgsqlConnectionStringBuilder(Target);
        return $"{builder.Host}:{builder.Port}/{builder.Database}";
    }

    public static DatabaseConnection Parse(string url)
    {
        const string sqlitePrefix = "sqlite:///";
        if (url.StartsWith(sqlitePrefix, StringComparison.OrdinalIgnoreCase) && url.Length > sqlitePrefix.Length)
        {
            // sqlite:///relative/path and sqlite:////absolute/path, as SQLAlchemy reads them.
            return new DatabaseConnection(Sqlite, url[sqlitePrefix.Length..]);
        }

        var schemeEnd = url.IndexOf("://", StringComparison.Ordinal);
        if (schemeEnd > 0 && PostgresSchemes.Contains(url[..schemeEnd], StringComparer.OrdinalIgnoreCase))
        {
            return new DatabaseConnection(Postgres, ParsePostgres(url, url[(schemeEnd + 3)..]));
        }

        throw Invalid(url,
            "expected sqlite:///PATH (an embedded database file; a path starting with / after the three slashes is absolute) " +
            "or postgresql://USER:PASSWORD@HOST[:PORT]/DATABASE");
    }

    /// <summary>
    /// <c>user:password@host:port/database?param=value</c> as libpq and SQLAlchemy read it: user and
    /// password may be percent-encoded, the port defaults to 5432, and <c>?host=/run/postgresql</c>
    /// names a unix socket folder.
    /// </summary>
    private static string ParsePostgres(string url, string rest)
    {
        var builder = new NpgsqlConnectionStringBuilder
        {
            ApplicationName = "inspector",
            Port = 5432,
            // A database that does not answer stops start-up after this, instead of hanging.
            Timeout = 15,
        };

        var queryStart = rest.IndexOf('?', StringComparison.Ordinal);
        var query = queryStart >= 0 ? rest[(queryStart + 1)..] : "";
        rest = queryStart >= 0 ? rest[..queryStart] : rest;

        var pathStart = rest.IndexOf('/', StringComparison.Ordinal);
        var database = pathStart >= 0 ? Decode(url, rest[(pathStart + 1)..]) : "";
        var authority = pathStart >= 0 ? rest[..pathStart] : rest;
        if (database.Length == 0)
        {
            throw Invalid(url, "the URL names no database (postgresql://USER:PASSWORD@HOST[:PORT]/DATABASE)");
        }

        builder.Database = database;

        var at = authority.LastIndexOf('@');
        if (at >= 0)
        {
            var userInfo = authority[..at];
            authority = authority[(at + 1)..];
            var colon = userInfo.IndexOf(':', StringComparison.Ordinal);
            builder.Username = Decode(url, colon >= 0 ? userInfo[..colon] : userInfo);
            if (colon >= 0)
            {
                builder.Password = Decode(url, userInfo[(colon + 1)..]);
            }
        }

        var (host, port) = SplitHostPort(url, authority);
        if (host.Length > 0)
        {
            builder.Host = host;
        }

        if (port is { } p)
        {
            builder.Port = p;
        }

        foreach (var pair in query.Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var equals = pair.IndexOf('=', StringComparison.Ordinal);
            var name = Decode(url, equals >= 0 ? pair[..equals] : pair);
            var value = equals >= 0 ? Decode(url, pair[(equals + 1)..]) : "";
            ApplyParameter(url, builder, name, value);
        }

        if (string.IsNullOrEmpty(builder.Host))
        {
            throw Invalid(url, "the URL names no host (postgresql://USER:PASSWORD@HOST[:PORT]/DATABASE)");
        }

        return builder.ConnectionString;
    }

    private static void ApplyParameter(string url, NpgsqlConnectionStringBuilder builder, string name, string value)
    {
        switch (name)
        {
            case "sslmode":
                builder.SslMode = value switch
                {
                    "disable" => SslMode.Disable,
                    "allow" => SslMode.Allow,
                    "prefer" => SslMode.Prefer,
                    "require" => SslMode.Require,
                    "verify-ca" => SslMode.VerifyCA,
                    "verify-full" => SslMode.VerifyFull,
                    _ => throw Invalid(url, $"sslmode '{value}' is not one of disable, allow, prefer, require, verify-ca, verify-full"),
                };
                break;
            case "sslrootcert":
                builder.RootCertificate = value;
                break;
            case "sslcert":
                builder.SslCertificate = value;
                break;
            case "sslkey":
                builder.SslKey = value;
                break;
            case "connect_timeout":
                builder.Timeout = int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds) && seconds is > 0 and <= 1024
                    ? seconds
                    : throw Invalid(url, $"connect_timeout '{value}' is not a number of seconds");
                break;
            case "application_name":
                builder.ApplicationName = value;
                break;
            case "host":
                builder.Host = value;
                break;
            case "port":
                builder.Port = ParsePort(url, value);
                break;
            case "target_session_attrs":
                builder.TargetSessionAttributes = value;
                break;
            case "client_encoding" when value.Equals("utf8", StringComparison.OrdinalIgnoreCase)
                                     || value.Equals("utf-8", StringComparison.OrdinalIgnoreCase):
                break; // Npgsql always speaks UTF-8.
            default:
                throw Invalid(url,
                    $"unsupported URL parameter '{name}' (supported: sslmode, sslrootcert, sslcert, sslkey, " +
                    "connect_timeout, application_name, host, port, target_session_attrs, client_encoding=utf8)");
        }
    }

    private static (string Host, int? Port) SplitHostPort(string url, string authority)
    {
        if (authority.StartsWith('['))
        {
            var close = authority.IndexOf(']', StringComparison.Ordinal);
            if (close < 0)
            {
                throw Invalid(url, "unterminated [IPv6 address]");
            }

            var host = authority[1..close];
            var after = authority[(close + 1)..];
            return after.Length == 0
                ? (host, null)
                : after.StartsWith(':') ? (host, ParsePort(url, after[1..])) : throw Invalid(url, "expected :PORT after the IPv6 address");
        }

        var colon = authority.LastIndexOf(':');
        return colon >= 0
            ? (Decode(url, authority[..colon]), ParsePort(url, authority[(colon + 1)..]))
            : (Decode(url, authority), null);
    }

    private static int ParsePort(string url, string value) =>
        int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var port) && port is > 0 and <= 65535
            ? port
            : throw Invalid(url, $"port '{value}' is not a number from 1 to 65535");

    private static string Decode(string url, string value)
    {
        try
        {
            return Uri.UnescapeDataString(value);
        }
        catch (UriFormatException)
        {
            throw Invalid(url, $"'{value}' is not percent-encoded correctly");
        }
    }

    private static InvalidConfigurationException Invalid(string url, string reason) =>
        new($"Invalid value '{Redact(url)}' for option {Option}: {reason}");

    /// <summary>The URL with its password replaced, fit for messages and logs.</summary>
    public static string Redact(string url)
    {
        var schemeEnd = url.IndexOf("://", StringComparison.Ordinal);
        if (schemeEnd < 0)
        {
            return url;
        }

        var authorityStart = schemeEnd + 3;
        var authorityEnd = url.IndexOfAny(['/', '?'], authorityStart);
        var authority = authorityEnd >= 0 ? url[authorityStart..authorityEnd] : url[authorityStart..];
        var at = authority.LastIndexOf('@');
        var colon = at >= 0 ? authority.IndexOf(':', StringComparison.Ordinal) : -1;
        if (colon < 0 || colon > at)
        {
            return url;
        }

        return url[..(authorityStart + colon + 1)] + "***" + url[(authorityStart + at)..];
    }
}
