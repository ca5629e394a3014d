using Inspector.Grains.Configuration;
using Npgsql;

namespace Inspector.Tests.Unit;

/// <summary><c>[database] connection</c> as ironic-inspector's SQLAlchemy URLs spell PostgreSQL.</summary>
public sealed class DatabaseConnectionSpecs
{
    [Theory]
    [InlineData("postgresql://inspector:pw@127.0.0.1:5433/inspector")]
    [InlineData("postgres://inspector:pw@127.0.0.1:5433/inspector")]
    [InlineData("postgresql+psycopg2://inspector:pw@127.0.0.1:5433/inspector")]
    [InlineData("POSTGRESQL://inspector:pw@127.0.0.1:5433/inspector")]
    public void The_postgresql_schemes_of_sqlalchemy_are_accepted(string url)
    {
        var connection = DatabaseConnection.Parse(url);

        Assert.True(connection.IsPostgres);
        var builder = new NpgsqlConnectionStringBuilder(connection.Target);
        Assert.Equal(("127.0.0.1", 5433, "inspector", "inspector", "pw"),
            (builder.Host, builder.Port, builder.Database, builder.Username, builder.Password));
        Assert.Equal("127.0.0.1:5433/inspector", connection.Describe());
    }

    [Fact]
    public void User_password_and_database_may_be_percent_encoded_and_the_port_defaults_to_5432()
    {
        var builder = Builder("postgresql://ins%40pector:p%40ss%3Aw%2Fo%25rd@db.example.org/my%20db");

        Assert.Equal(("db.example.org", 5432, "my db", "ins@pector", "p@ss:w/o%rd"),
            (builder.Host, builder.Port, builder.Database, builder.Username, builder.Password));
    }

    [Fact]
    public void Ipv6_hosts_unix_sockets_and_libpq_parameters_are_mapped()
    {
        var ipv6 = Builder("postgresql://u:p@[::1]:6000/inspector?sslmode=require&connect_timeout=7&application_name=ins");
        Assert.Equal(("::1", 6000, SslMode.Require, 7, "ins"), (ipv6.Host, ipv6.Port, ipv6.SslMode, ipv6.Timeout, ipv6.ApplicationName));

        var socket = Builder("postgresql://u@/inspector?host=/run/postgresql");
        Assert.Equal(("/run/postgresql", "u", null), (socket.Host, socket.Username, socket.Password));

        var verify = Builder("postgresql://u:p@127.0.0.1/inspector?sslmode=verify-full&sslrootcert=/etc/ca.pem");
        Assert.Equal((SslMode.VerifyFull, "/etc/ca.pem"), (verify.SslMode, verify.RootCertificate));
    }

    [Theory]
    [InlineData("postgresql://u:p@127.0.0.1:5432/", "names no database")]
    [InlineData("postgresql://u:p@127.0.0.1:5432", "names no database")]
    [InlineData("postgresql://u:p@/inspector", "names no host")]
    [InlineData("postgresql://u:p@127.0.0.1:99999/inspector", "port '99999'")]
    [InlineData("postgresql://u:p@127.0.0.1:abc/inspector", "port 'abc'")]
    [InlineData("postgresql://u:p@127.0.0.1/inspector?sslmode=sometimes", "sslmode 'sometimes'")]
    [InlineData("postgresql://u:p@127.0.0.1/inspector?pool=5", "unsupported URL parameter 'pool'")]
    [InlineData("postgresql://u:p@[::1/inspector", "unterminated")]
    [InlineData("mysql://u:p@127.0.0.1/inspector", "expected sqlite:///PATH")]
    public void Unusable_urls_stop_start_up_naming_the_option_and_never_the_password(string url, string reason)
    {
        var error = Assert.Throws<InvalidConfigurationException>(() => DatabaseConnection.Parse(url));

        Assert.Contains("[database] connection", error.Message, StringComparison.Ordinal);
        Assert.Contains(reason, error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(":p@", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Sqlite_urls_are_still_files()
    {
        var connection = DatabaseConnection.Parse("sqlite:////var/lib/inspector/inspector.sqlite");

        Assert.False(connection.IsPostgres);
        Assert.Equal("/var/lib/inspector/inspector.sqlite", connection.Target);
    }

    private static NpgsqlConnectionStringBuilder Builder(string url) => new(DatabaseConnection.Parse(url).Target);
}
