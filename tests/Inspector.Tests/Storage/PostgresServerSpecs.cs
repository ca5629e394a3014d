using Inspector.Tests.Infrastructure;

namespace Inspector.Tests.Storage;

[Collection("postgres")]
public sealed class PostgresServerSpecs(PostgresServer postgres)
{
    [Fact]
    public async Task Each_database_is_new_and_reachable_over_loopback_with_a_password()
    {
        var first = await postgres.CreateDatabaseAsync();
        var second = await postgres.CreateDatabaseAsync();

        Assert.NotEqual(first, second);
        Assert.StartsWith($"postgresql://{PostgresServer.User}:{PostgresServer.Password}@127.0.0.1:{postgres.Port}/", first);
        var database = new Uri(first).AbsolutePath.TrimStart('/');
        Assert.Equal("0", await postgres.PsqlAsync(database, "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'"));
    }
}
