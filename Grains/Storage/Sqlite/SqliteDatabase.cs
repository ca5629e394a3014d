using System.Collections.Concurrent;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;

namespace Inspector.Grains.Storage.Sqlite;

/// <summary>
/// The embedded SQLite database of the single-process default. SQLite has one writer at a time,
/// so every write goes through one thread that commits whatever has queued up in a single
/// transaction (group commit): thousands of node transitions a second share a few fsyncs.
/// Reads use their own pooled connections, which WAL mode lets run beside the writer.
/// </summary>
public sealed class SqliteDatabase : IDisposable
{
    private const int MaxBatch = 512;
    private readonly string _connectionString;
    private readonly ConcurrentQueue<WriteOperation> _queue = new();

    // Wakes the writer when it sleeps on an empty queue. A kernel event, not a BlockingCollection:
    // that one's semaphore spins (sched_yield) every time the queue runs empty, which cost ~8% of
    // the service's CPU on two busy cores (docs/benchmarks.md, step 9).
    private readonly AutoResetEvent _wake = new(false);
    private readonly Thread _writer;
    private readonly ILogger _logger;
    private int _sleeping;
    private volatile bool _stopping;

    public SqliteDatabase(string path, ILogger<SqliteDatabase> logger)
    {
        _logger = logger;
        var directory = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path));
        if (!string.IsNullOrEmpty(directory))
        {
            Directory.CreateDirectory(directory);
        }

        _connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = path,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = true,
            DefaultTimeout = 30,
        }.ToString();

        using (var connection = Open())
        {
            Applied = SqliteSchema.Migrate(connection);
        }

        _writer = new Thread(WriteLoop) { IsBackground = true, Name = "sqlite-writer" };
        _writer.Start();
    }

    /// <summary>The schema steps this instance applied when it opened the database (none when up to date).</summary>
    public IReadOnlyList<int> Applied { get; }

    /// <summary>Queues a write; it runs inside a transaction shared with other queued writes.</summary>
    public Task<T> WriteAsync<T>(Func<SqliteConnection, T> write)
    {
        ObjectDisposedException.ThrowIf(_stopping, this);
        var operation = new WriteOperation<T>(write);
        _queue.Enqueue(operation);
        // Enqueue is a full fence: either the writer's re-check after it declared itself asleep
        // sees this operation, or this read sees it asleep and wakes it.
        if (Volatile.Read(ref _sleeping) == 1 && Interlocked.Exchange(ref _sleeping, 0) == 1)
        {
            _wake.Set();
        }

        return operation.Completion.Task;
    }

    /// <summary>Runs a read on a pooled connection, off the caller's thread (SQLite calls block).</summary>
    public Task<T> ReadAsync<T>(Func<SqliteConnection, T> read, CancellationToken ct = default) =>
        Task.Run(() =>
        {
            using var connection = new SqliteConnection(_connectionString);
            // No pragmas: WAL is a property of the file, and synchronous and foreign_keys only
            // matter to the writer, and every read (a lookup, a grain activation) paid for them.
            connection.Open();
            return read(connection);
        }, ct);

    public void Dispose()
    {
        _stopping = true;
        _wake.Set();
        _writer.Join(TimeSpan.FromSeconds(30));
        _wake.Dispose();
        SqliteConnection.ClearAllPools();
    }

    /// <summary>A connection that writes: the migration's and the writer's.</summary>
    private SqliteConnection Open()
    {
        var connection = new SqliteConnection(_connectionString);
        connection.Open();
        using var pragmas = connection.CreateCommand();
        // WAL lets reads run beside the writer; FULL makes every commit survive a power loss.
        pragmas.CommandText = "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;";
        pragmas.ExecuteNonQuery();
        return connection;
    }

    private void WriteLoop()
    {
        using var connection = Open();
        using (var pragmas = connection.CreateCommand())
        {
            // The writer rewrites the same index pages thousands of times a second. A 64 MiB page
            // cache keeps them in memory, and a checkpoint every 40 MiB of WAL (not SQLite's 4 MiB)
            // copies each hot page into the database file once per checkpoint rather than ten times.
            // Each operation's savepoint journals the pages it changes; on disk (the default) that
            // journal spilled to a temporary file in most batches and took 60% of the bytes this
            // thread wrote (docs/benchmarks.md, step 16). It only ever serves a rollback of the
            // open transaction, which a crash discards anyway, so memory loses nothing.
            pragmas.CommandText = "PRAGMA cache_size=-65536; PRAGMA wal_autocheckpoint=10000; PRAGMA temp_store=MEMORY;";
            pragmas.ExecuteNonQuery();
        }

        var batch = new List<WriteOperation>(MaxBatch);
        while (true)
        {
            batch.Clear();
            while (batch.Count < MaxBatch && _queue.TryDequeue(out var operation))
            {
                batch.Add(operation);
            }

            if (batch.Count > 0)
            {
                Commit(connection, batch);
                continue;
            }

            if (_stopping)
            {
                break; // everything queued before the stop is committed
            }

            Interlocked.Exchange(ref _sleeping, 1);
            if (!_queue.IsEmpty || _stopping)
            {
                Volatile.Write(ref _sleeping, 0);
                continue;
            }

            _wake.WaitOne();
        }
    }

    private void Commit(SqliteConnection connection, List<WriteOperation> batch)
    {
        // Plain BEGIN/COMMIT and one savepoint name, all kept prepared: the write operations'
        // statements stay prepared too (SqliteCommands.Reused), which a SqliteTransaction object
        // per batch would not allow.
        try
        {
            connection.Reused("BEGIN").ExecuteNonQuery();
            try
            {
                foreach (var operation in batch)
                {
                    // A savepoint per operation: one that fails (an ETag conflict) rolls back alone.
                    connection.Reused("SAVEPOINT op").ExecuteNonQuery();
                    try
                    {
                        operation.Run(connection);
                        connection.Reused("RELEASE op").ExecuteNonQuery();
                    }
                    catch (Exception e)
                    {
                        connection.Reused("ROLLBACK TO op").ExecuteNonQuery();
                        connection.Reused("RELEASE op").ExecuteNonQuery();
                        operation.Failed = e;
                    }
                }

                connection.Reused("COMMIT").ExecuteNonQuery();
            }
            catch
            {
                RollBack(connection);
                throw;
            }

            foreach (var operation in batch)
            {
                operation.Complete();
            }
        }
        catch (Exception e)
        {
            _logger.LogError(e, "SQLite commit of {Count} writes failed", batch.Count);
            foreach (var operation in batch)
            {
                operation.Fail(e);
            }
        }
    }

    /// <summary>Ends a failed batch's transaction, if SQLite has not already rolled it back.</summary>
    private void RollBack(SqliteConnection connection)
    {
        if (SQLitePCL.raw.sqlite3_get_autocommit(connection.Handle) != 0)
        {
            return;
        }

        try
        {
            connection.Reused("ROLLBACK").ExecuteNonQuery();
        }
        catch (SqliteException e)
        {
            _logger.LogError(e, "SQLite rollback failed");
        }
    }

    private abstract class WriteOperation
    {
        public Exception? Failed { get; set; }

        public abstract void Run(SqliteConnection connection);

        public abstract void Complete();

        public abstract void Fail(Exception e);
    }

    private sealed class WriteOperation<T>(Func<SqliteConnection, T> write) : WriteOperation
    {
        private T? _result;

        public TaskCompletionSource<T> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public override void Run(SqliteConnection connection) => _result = write(connection);

        public override void Complete()
        {
            if (Failed is { } e)
            {
                Completion.TrySetException(e);
            }
            else
            {
                Completion.TrySetResult(_result!);
            }
        }

        public override void Fail(Exception e) => Completion.TrySetException(e);
    }
}
