namespace Inspector.Grains.Configuration;

/// <summary>The <c>[database] connection</c> URL, in ironic-inspector's SQLAlchemy form.</summary>
public sealed record DatabaseConnection(string Kind, string Target)
{
    public const string Sqlite = "sqlite";

    public static DatabaseConnection Parse(string url)
    {
        const string sqlitePrefix = "sqlite:///";
        if (url.StartsWith(sqlitePrefix, StringComparison.OrdinalIgnoreCase) && url.Length > sqlitePrefix.Length)
        {
            // sqlite:///relative/path and sqlite:////absolute/path, as SQLAlchemy reads them.
            return new DatabaseConnection(Sqlite, url[sqlitePrefix.Length..]);
        }

        throw new InvalidConfigurationException(
            $"Invalid value '{url}' for option [database] connection: expected sqlite:///PATH " +
            "(an embedded database file; a path starting with / after the three slashes is absolute)");
    }
}
