using Inspector.Grains.Configuration;
using Npgsql;

namespace Inspector.Grains.Storage.Postgres;

/// <summary>
/// The shared PostgreSQL database of a cluster: one pooled data source per process. Every store
/// statement is a single round trip; a node write is one statement, hence one transaction.
/// </summary>
public sealed class PostgresDatabase : IAsyncDisposable, IDisposable
{
    public PostgresDatabase(DatabaseConnection connection)
    {
        if (!connection.IsPostgres)
        {
            throw new ArgumentException("Not a PostgreSQL connection", nameof(connection));
        }

        Connection = connection;
        DataSource = NpgsqlDataSource.Create(connection.Target);
    }

    public DatabaseConnection Connection { get; }

    public NpgsqlDataSource DataSource { get; }

    /// <summary>A parameterised command on a pooled connection of its own (disposed with the command).</summary>
    public NpgsqlCommand Command(string sql, params (string Name, object? Value)[] parameters)
    {
        var command = DataSource.CreateCommand(sql);
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value ?? DBNull.Value);
        }

        return command;
    }

    public ValueTask DisposeAsync() => DataSource.DisposeAsync();

    public void Dispose() => DataSource.Dispose();
}
