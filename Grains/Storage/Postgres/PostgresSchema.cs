using System.Net.Sockets;
using Inspector.Grains.Configuration;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Inspector.Grains.Storage.Postgres;

/// <summary>
/// Applies the migrations once per process, before anything else uses the database: at start-up
/// of every host whose <c>[database] connection</c> is PostgreSQL (see <c>DatabaseServices</c>).
/// </summary>
public sealed class PostgresSchema(PostgresDatabase database, ILogger<PostgresSchema> logger)
{
    private readonly Lazy<Task> _applied = new(() => ApplyAsync(database, logger));

    public Task EnsureAppliedAsync() => _applied.Value;

    /// <summary>Applies the migrations; a database that cannot be reached becomes a <see cref="DatabaseUnavailableException"/>.</summary>
    public static async Task<IReadOnlyList<Migration>> ApplyAsync(PostgresDatabase database, CancellationToken ct = default)
    {
        try
        {
            return await PostgresMigrations.ApplyAsync(database.DataSource, ct);
        }
        catch (Exception e) when (e is NpgsqlException or SocketException or TimeoutException)
        {
            throw new DatabaseUnavailableException(
                $"Cannot use the PostgreSQL database {database.Connection.Describe()} of option [database] connection: {e.Message}", e);
        }
    }

    private static async Task ApplyAsync(PostgresDatabase database, ILogger logger)
    {
        var applied = await ApplyAsync(database);
        foreach (var migration in applied)
        {
            logger.LogInformation("Applied database migration {Version:D4} {Name}", migration.Version, migration.Name);
        }
    }
}

/// <summary>Start-up stops with this when the configured database cannot be reached or used.</summary>
public sealed class DatabaseUnavailableException(string message, Exception inner) : Exception(message, inner)
{
    /// <summary>This exception anywhere in <paramref name="e"/>'s causes (hosts may wrap start-up errors).</summary>
    public static DatabaseUnavailableException? Find(Exception? e)
    {
        for (; e is not null; e = e.InnerException)
        {
            if (e is DatabaseUnavailableException found)
            {
                return found;
            }

            if (e is AggregateException aggregate)
            {
                return aggregate.InnerExceptions.Select(Find).FirstOrDefault(f => f is not null);
            }
        }

        return null;
    }
}
