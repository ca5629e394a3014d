using System.Globalization;

namespace Inspector.Bench;

/// <summary>The command line: which service, which scenarios, at which sizes.</summary>
public sealed record BenchOptions
{
    public const string Usage = """
        Inspector.Bench [options]
          --target LIST             ours (default), reference (bench/reference/reference.sh) or both,
                                    e.g. ours,reference: each scenario runs on each target in turn,
                                    against the same emulator, with the same settings
          --url URL --pid PID       measure a service somebody started instead (its [ironic]
                                    endpoint_override must be http://127.0.0.1:EMULATOR_PORT)
          --emulator-port N         the emulated Ironic's port (default: a free one)
          --scenarios LIST          fleet,status,list,lookup (default: all)
          --nodes LIST              fleet sizes (default 1000,10000)
          --scale-nodes LIST        nodes on introspection for list and lookup (default 1000,100000)
          --concurrency N           introspections started at once (default 64)
          --warmup N                before each fleet run, N other nodes through the same flow, not
                                    measured (default 0: the service is measured from its start)
          --boot power|command      ramdisks boot on Ironic's power reboot (default) or at once after each start
          --boot-delay-ms N         time from reboot to the ramdisk's post (default 0)
          --ironic-latency-ms N     added to every emulated Ironic call (default 0)
          --status-seconds N        length of the status read phase (default 15)
          --status-connections N    connections of the status read phase (default 64)
          --loadgen wrk|dotnet      load generator for status reads (default: wrk when installed)
          --samples N               continues timed one at a time for lookup (default 300)
          --seed N                  hardware seed (default 1)
          --out DIR                 where JSON results go (default bench/results)
          --webfront DLL            our web front's assembly (default: the one built with the bench)
          --reference-script PATH   default bench/reference/reference.sh
          --ini 'section.option=value'  extra INI line for --target ours (repeatable)
          --smoke                   200 nodes through the fleet scenario; exit 1 unless all finished
          --keep                    keep the service's temporary folder (log, database)
        """;

    /// <summary>ours, reference or external; several run one after the other per scenario.</summary>
    public IReadOnlyList<string> Targets { get; init; } = ["ours"];

    public Uri? Url { get; init; }

    public int? Pid { get; init; }

    public int EmulatorPort { get; init; }

    public IReadOnlySet<string> Scenarios { get; init; } = new HashSet<string> { "fleet", "status", "list", "lookup" };

    public IReadOnlyList<int> Nodes { get; init; } = [1000, 10000];

    public IReadOnlyList<int> ScaleNodes { get; init; } = [1000, 100000];

    public int Concurrency { get; init; } = 64;

    /// <summary>Nodes introspected, unmeasured, before each fleet run on a freshly started target.</summary>
    public int Warmup { get; init; }

    public bool BootOnPower { get; init; } = true;

    public int BootDelayMs { get; init; }

    public int IronicLatencyMs { get; init; }

    public int StatusSeconds { get; init; } = 15;

    public int StatusConnections { get; init; } = 64;

    public string? LoadGenerator { get; init; }

    public int Samples { get; init; } = 300;

    public int Seed { get; init; } = 1;

    public string Out { get; init; } = "bench/results";

    public string? WebFront { get; init; }

    public string ReferenceScript { get; init; } = "bench/reference/reference.sh";

    public IReadOnlyList<string> Ini { get; init; } = [];

    public bool Smoke { get; init; }

    public bool Keep { get; init; }

    public static BenchOptions Parse(string[] args)
    {
        var options = new BenchOptions();
        var ini = new List<string>();
        for (var i = 0; i < args.Length; i++)
        {
            string Value() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
            int Number() => int.Parse(Value(), CultureInfo.InvariantCulture);
            List<int> Numbers() => [.. Value().Split(',').Select(n => int.Parse(n, CultureInfo.InvariantCulture))];
            options = args[i] switch
            {
                "--target" => options with { Targets = [.. Value().Split(',', StringSplitOptions.RemoveEmptyEntries)] },
                "--url" => options with { Url = new Uri(Value()), Targets = ["external"] },
                "--pid" => options with { Pid = Number() },
                "--emulator-port" => options with { EmulatorPort = Number() },
                "--scenarios" => options with { Scenarios = Value().Split(',').ToHashSet() },
                "--nodes" => options with { Nodes = Numbers() },
                "--scale-nodes" => options with { ScaleNodes = Numbers() },
                "--concurrency" => options with { Concurrency = Number() },
                "--warmup" => options with { Warmup = Number() },
                "--boot" => options with { BootOnPower = Value() switch { "power" => true, "command" => false, var v => throw new ArgumentException($"--boot {v}") } },
                "--boot-delay-ms" => options with { BootDelayMs = Number() },
                "--ironic-latency-ms" => options with { IronicLatencyMs = Number() },
                "--status-seconds" => options with { StatusSeconds = Number() },
                "--status-connections" => options with { StatusConnections = Number() },
                "--loadgen" => options with { LoadGenerator = Value() },
                "--samples" => options with { Samples = Number() },
                "--seed" => options with { Seed = Number() },
                "--out" => options with { Out = Value() },
                "--webfront" => options with { WebFront = Value() },
                "--reference-script" => options with { ReferenceScript = Value() },
                "--ini" => options with { Ini = ini },
                "--smoke" => options with { Smoke = true, Scenarios = new HashSet<string> { "fleet" }, Nodes = [200] },
                "--keep" => options with { Keep = true },
                _ => throw new ArgumentException($"Unknown argument {args[i]}"),
            };
            if (args[i] == "--ini")
            {
                ini.Add(IniLine(Value()));
            }
        }

        if (options.Targets.Except(["ours", "reference", "external"]).FirstOrDefault() is { } unknown)
        {
            throw new ArgumentException($"Unknown target {unknown}");
        }

        if (options.Targets.Contains("external") && (options.Url is null || options.Pid is null || options.EmulatorPort == 0))
        {
            throw new ArgumentException("--url needs --pid and --emulator-port (the port its endpoint_override names)");
        }

        return options;
    }

    /// <summary><c>section.option=value</c> as an INI line in its section.</summary>
    private static string IniLine(string setting)
    {
        var dot = setting.IndexOf('.', StringComparison.Ordinal);
        var equals = setting.IndexOf('=', StringComparison.Ordinal);
        if (dot < 1 || equals < dot)
        {
            throw new ArgumentException($"--ini {setting}: expected section.option=value");
        }

        return $"[{setting[..dot]}]\n{setting[(dot + 1)..equals].Trim()} = {setting[(equals + 1)..].Trim()}";
    }
}
