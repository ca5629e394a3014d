using System.Diagnostics;
using System.Globalization;

namespace Inspector.Tests.Infrastructure;

/// <summary>The tests that share one real PostgreSQL server.</summary>
[CollectionDefinition("postgres")]
public sealed class PostgresCollection : ICollectionFixture<PostgresServer>;

/// <summary>
/// A REAL PostgreSQL server (Debian's <c>postgresql</c> package) with its own data directory in a
/// temporary folder, listening on a free loopback port only, stopped when the tests end. Each test
/// class takes a database of its own from <see cref="CreateDatabaseAsync"/>.
/// Without PostgreSQL installed the tests are skipped, unless <c>CI=true</c>: then they fail.
/// </summary>
public sealed class PostgresServer : IAsyncLifetime
{
    public const string User = "inspector";
    public const string Password = "pg-secret";

    private string? _skipReason;
    private string? _binaries;
    private string? _directory;
    private int _databases;

    public int Port { get; private set; }

    /// <summary>Data directory, socket directory and log of this server.</summary>
    public string Directory => Started(_directory);

    public async ValueTask InitializeAsync()
    {
        _binaries = FindBinaries();
        if (_binaries is null)
        {
            _skipReason = "PostgreSQL is not installed (apt-get install postgresql)";
            if (Environment.GetEnvironmentVariable("CI") == "true")
            {
                throw new InvalidOperationException($"CI=true but {_skipReason}: the PostgreSQL tests cannot run.");
            }

            return;
        }

        _directory = Path.Combine(Path.GetTempPath(), $"postgres-{Guid.NewGuid():N}");
        System.IO.Directory.CreateDirectory(_directory);
        var data = Path.Combine(_directory, "data");
        var passwordFile = Path.Combine(_directory, "password");
        await File.WriteAllTextAsync(passwordFile, Password);
        if (RunsAsRoot)
        {
            // PostgreSQL refuses to run as root: hand the folder to its own system user.
            await RunAsync("chown", "-R", "postgres:postgres", _directory);
        }

        await RunPostgresToolAsync("initdb", "-D", data, "-U", User, "--pwfile", passwordFile,
            "--auth=scram-sha-256", "--encoding=UTF8", "--locale=C.UTF-8", "--no-sync");

        Port = FreePorts.Next();
        // Loopback TCP only; the unix socket lives in our folder, not in /run/postgresql.
        await RunPostgresToolAsync("pg_ctl", "-D", data, "-l", Path.Combine(_directory, "server.log"), "-w", "-t", "60",
            "-o", $"-c listen_addresses=127.0.0.1 -p {Port} -c unix_socket_directories={_directory} -c max_connections=400",
            "start");
    }

    public async ValueTask DisposeAsync()
    {
        if (_directory is null || _binaries is null)
        {
            return;
        }

        try
        {
            await RunPostgresToolAsync("pg_ctl", "-D", Path.Combine(_directory, "data"), "-m", "immediate", "-w", "stop");
        }
        catch (InvalidOperationException)
        {
            // Already stopped (a test may stop it on purpose); the folder goes anyway.
        }

        try
        {
            System.IO.Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    /// <summary>Creates an empty database and returns its <c>[database] connection</c> URL.</summary>
    public async Task<string> CreateDatabaseAsync(string prefix = "inspector")
    {
        var name = $"{prefix}_{Interlocked.Increment(ref _databases)}_{Guid.NewGuid():N}"[..Math.Min(63, prefix.Length + 20)].ToLowerInvariant();
        await PsqlAsync("postgres", $"CREATE DATABASE \"{name}\"");
        return ConnectionUrl(name);
    }

    /// <summary>The <c>[database] connection</c> URL of a database of this server.</summary>
    public string ConnectionUrl(string database) =>
        $"postgresql://{User}:{Password}@127.0.0.1:{Port}/{database}";

    /// <summary>Runs SQL with psql and returns its unaligned, tuples-only output.</summary>
    public async Task<string> PsqlAsync(string database, string sql)
    {
        SkipUnlessAvailable();
        var psql = Path.Combine(_binaries!, "psql");
        return await RunAsync(psql, ["-h", "127.0.0.1", "-p", Port.ToString(CultureInfo.InvariantCulture),
            "-U", User, "-d", database, "-v", "ON_ERROR_STOP=1", "-X", "-q", "-A", "-t", "-c", sql],
            ("PGPASSWORD", Password));
    }

    /// <summary>Skips the calling test when PostgreSQL is not installed (and CI is not set).</summary>
    public void SkipUnlessAvailable()
    {
        if (_skipReason is not null)
        {
            Assert.Skip(_skipReason);
        }
    }

    private T Started<T>(T? value) where T : class
    {
        SkipUnlessAvailable();
        return value ?? throw new InvalidOperationException("PostgreSQL did not start");
    }

    private static bool RunsAsRoot => Environment.UserName == "root";

    private static string? FindBinaries()
    {
        const string root = "/usr/lib/postgresql";
        if (!System.IO.Directory.Exists(root))
        {
            return null;
        }

        return System.IO.Directory.GetDirectories(root)
            .Select(version => Path.Combine(version, "bin"))
            .Where(bin => File.Exists(Path.Combine(bin, "initdb")) && File.Exists(Path.Combine(bin, "psql")))
            .OrderByDescending(bin => int.TryParse(Path.GetFileName(Path.GetDirectoryName(bin)), out var v) ? v : 0)
            .FirstOrDefault();
    }

    private Task<string> RunPostgresToolAsync(string tool, params string[] arguments)
    {
        var path = Path.Combine(_binaries!, tool);
        return RunsAsRoot
            ? RunAsync("runuser", ["-u", "postgres", "--", path, .. arguments])
            : RunAsync(path, arguments);
    }

    private static Task<string> RunAsync(string file, params string[] arguments) => RunAsync(file, arguments, null);

    private static async Task<string> RunAsync(string file, string[] arguments, (string Name, string Value)? environment)
    {
        var start = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        if (environment is { } variable)
        {
            start.Environment[variable.Name] = variable.Value;
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"cannot start {file}");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException(
                $"{file} {string.Join(' ', arguments)} exited with {process.ExitCode}: {await error}{await output}");
        }

        return (await output).Trim();
    }
}
