using System.Runtime.CompilerServices;
using Microsoft.Data.Sqlite;

namespace Inspector.Grains.Storage.Sqlite;

internal static class SqliteCommands
{
    /// <summary>Commands kept prepared per connection, by their SQL.</summary>
    private static readonly ConditionalWeakTable<SqliteConnection, Dictionary<string, SqliteCommand>> Prepared = new();

    /// <summary>
    /// A parameterised command that stays prepared on this connection, for the writer's
    /// long-lived connection: it runs the same few statements thousands of times a second, and
    /// preparing them anew each time was a visible share of its CPU. Callers must not dispose it,
    /// must pass the same parameters in the same order for the same SQL, and must use it from the
    /// connection's one thread only.
    /// </summary>
    public static SqliteCommand Reused(this SqliteConnection connection, string sql, params (string Name, object? Value)[] parameters)
    {
        var cache = Prepared.GetOrCreateValue(connection);
        if (!cache.TryGetValue(sql, out var command))
        {
            command = connection.Command(sql, parameters);
            cache[sql] = command;
            return command;
        }

        for (var i = 0; i < parameters.Length; i++)
        {
            command.Parameters[i].Value = parameters[i].Value ?? DBNull.Value;
        }

        return command;
    }

    /// <summary>A parameterised command; null values are stored as NULL.</summary>
    public static SqliteCommand Command(this SqliteConnection connection, string sql, params (string Name, object? Value)[] parameters)
    {
        var command = connection.CreateCommand();
        command.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value ?? DBNull.Value);
        }

        return command;
    }
}
