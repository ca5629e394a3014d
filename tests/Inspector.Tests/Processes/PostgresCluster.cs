using System.Diagnostics;
using System.Globalization;
using Inspector.IronicEmulator;
using Inspector.Tests.Infrastructure;

namespace Inspector.Tests.Processes;

/// <summary>One silo's row in the Orleans membership table.</summary>
public sealed record SiloMembership(string Address, int Port, int Generation, int Status)
{
    /// <summary>Orleans' <c>SiloStatus</c> values.</summary>
    public const int Active = 3;
    public const int Dead = 6;
}

/// <summary>
/// The cluster deployment as separate OS processes: N <c>Inspector.Silo</c> processes and one web
/// front that is a pure Orleans client (<c>[orleans] embedded_silo = false</c>), all on one
/// PostgreSQL database (membership, node state, rules) and one emulated Ironic. Silos can be
/// killed (SIGKILL), stopped and started again with the same ports and configuration.
/// Use it from a class in <see cref="HostProcess.Collection"/> with a <see cref="PostgresServer"/>
/// class fixture, so that process specs still run one at a time.
/// </summary>
public sealed class PostgresCluster : IAsyncDisposable
{
    private PostgresCluster(
        PostgresServer postgres, string databaseUrl, IronicEmulatorServer ironic, string directory,
        IReadOnlyList<HostProcess> silos, HostProcess webFront)
    {
        Postgres = postgres;
        DatabaseUrl = databaseUrl;
        DatabaseName = new Uri(databaseUrl).AbsolutePath.TrimStart('/');
        IronicServer = ironic;
        Directory = directory;
        Silos = silos;
        WebFront = webFront;
    }

    public PostgresServer Postgres { get; }

    public string DatabaseUrl { get; }

    public string DatabaseName { get; }

    public IronicEmulatorServer IronicServer { get; }

    public EmulatedIronic Ironic => IronicServer.Ironic;

    /// <summary>Configuration files and logs of every process.</summary>
    public string Directory { get; }

    public IReadOnlyList<HostProcess> Silos { get; }

    public HostProcess WebFront { get; }

    public HttpClient Client => WebFront.Client;

    /// <summary>
    /// Starts <paramref name="silos"/> silos, waits until all are active in the membership table,
    /// then starts the web front. <paramref name="ini"/> adds lines per section to every process's
    /// configuration (e.g. <c>["DEFAULT"] = "timeout = 30"</c>, <c>["orleans"] = "probe_timeout = 2"</c>).
    /// </summary>
    public static async Task<PostgresCluster> StartAsync(PostgresServer postgres, int silos = 2, IDictionary<string, string>? ini = null)
    {
        var url = await postgres.CreateDatabaseAsync("cluster");
        var ironic = await IronicEmulatorServer.StartAsync();
        var directory = System.IO.Directory.CreateTempSubdirectory("inspector-cluster-").FullName;
        var common = new Dictionary<string, string>
        {
            ["database"] = $"connection = {url}",
            ["orleans"] = "cluster_id = inspector-cluster",
        };
        foreach (var (section, lines) in ini ?? new Dictionary<string, string>())
        {
            common[section] = common.TryGetValue(section, out var ours) ? $"{ours}\n{lines}" : lines;
        }

        var siloHosts = Enumerable.Range(1, silos)
            .Select(i => HostProcess.Configure(HostKind.Silo, ironic.Url, directory, common, $"silo-{i}"))
            .ToList();
        var webFrontIni = new Dictionary<string, string>(common)
        {
            ["orleans"] = $"{common["orleans"]}\nembedded_silo = false",
        };
        var webFront = HostProcess.Configure(HostKind.WebFront, ironic.Url, directory, webFrontIni, "webfront");
        var cluster = new PostgresCluster(postgres, url, ironic, directory, siloHosts, webFront);
        try
        {
            // Migrations run under an advisory lock, so the silos may as well start together.
            await Task.WhenAll(siloHosts.Select(s => s.StartAsync()));
            await cluster.WaitForActiveSilosAsync(silos, TimeSpan.FromSeconds(60));
            await webFront.StartAsync();
            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
    }

    /// <summary>SIGKILLs silo <paramref name="index"/> (0-based): no shutdown code runs, its row stays Active until the others notice.</summary>
    public Task KillSiloAsync(int index) => Silos[index].KillAsync();

    /// <summary>Starts silo <paramref name="index"/> again (a new generation on the same ports).</summary>
    public Task RestartSiloAsync(int index) => Silos[index].StartAsync();

    /// <summary>The membership table of this cluster, as the silos wrote it.</summary>
    public async Task<IReadOnlyList<SiloMembership>> MembershipAsync()
    {
        var rows = await Postgres.PsqlAsync(DatabaseName,
            "SELECT address || '|' || port || '|' || generation || '|' || status FROM orleans_membership ORDER BY port, generation");
        return
        [
            .. rows.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(row => row.Split('|')).Select(f => new SiloMembership(
                f[0], int.Parse(f[1], CultureInfo.InvariantCulture), int.Parse(f[2], CultureInfo.InvariantCulture),
                int.Parse(f[3], CultureInfo.InvariantCulture))),
        ];
    }

    /// <summary>Waits until <paramref name="count"/> silos are Active in the membership table.</summary>
    public Task WaitForActiveSilosAsync(int count, TimeSpan within) =>
        WaitForMembershipAsync(rows => rows.Count(r => r.Status == SiloMembership.Active) == count, $"{count} active silos", within);

    /// <summary>
    /// Waits until the membership table shows silo <paramref name="index"/>'s latest incarnation
    /// as Dead; returns how long that took from the call.
    /// </summary>
    public async Task<TimeSpan> WaitUntilDeclaredDeadAsync(int index, TimeSpan within)
    {
        var clock = Stopwatch.StartNew();
        var port = Silos[index].SiloPort;
        await WaitForMembershipAsync(
            rows => rows.Where(r => r.Port == port).MaxBy(r => r.Generation) is { Status: SiloMembership.Dead },
            $"silo-{index + 1} (port {port}) declared dead", within);
        return clock.Elapsed;
    }

    public async ValueTask DisposeAsync()
    {
        await ProcessSpecs.CleanUpAsync(Directory, [WebFront, .. Silos]);
        await IronicServer.DisposeAsync();
    }

    private async Task WaitForMembershipAsync(Func<IReadOnlyList<SiloMembership>, bool> condition, string what, TimeSpan within)
    {
        var deadline = DateTime.UtcNow + within;
        while (true)
        {
            var rows = await MembershipAsync();
            if (condition(rows))
            {
                return;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"No {what} within {within.TotalSeconds} s; membership: {string.Join("; ", rows)}");
            }

            await Task.Delay(50);
        }
    }
}
