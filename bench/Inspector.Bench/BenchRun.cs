using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Inspector.Bench.Measuring;
using Inspector.Bench.Targets;
using Inspector.FleetEmulator;
using Inspector.FleetEmulator.Ramdisk;

namespace Inspector.Bench;

/// <summary>
/// One benchmark run: the fleet emulator (one for the whole run, so node addresses never repeat),
/// the way to start the service under test, and where results go.
/// </summary>
public sealed class BenchRun(BenchOptions options, FleetEmulatorServer emulator) : IAsyncDisposable
{
    private readonly List<(string Scenario, JsonObject Result)> _results = [];

    public BenchOptions Options { get; } = options;

    public FleetEmulatorServer Emulator { get; } = emulator;

    public IReadOnlyList<(string Scenario, JsonObject Result)> Results => _results;

    public static async Task<BenchRun> StartAsync(BenchOptions options)
    {
        var ramdisks = new RamdiskOptions
        {
            BootOnPower = options.BootOnPower,
            BootDelay = TimeSpan.FromMilliseconds(options.BootDelayMs),
            MaxConcurrentPosts = Math.Max(64, options.Concurrency * 2),
        };
        var emulator = await FleetEmulatorServer.StartAsync(options.EmulatorPort, TimeSpan.FromMilliseconds(options.IronicLatencyMs), ramdisks);
        return new BenchRun(options, emulator);
    }

    /// <summary>Starts the service under test in front of the emulator and points the ramdisks at it.</summary>
    public async Task<ServiceTarget> StartTargetAsync(string name)
    {
        ServiceTarget target = name switch
        {
            "ours" => await OursTarget.StartAsync(Emulator.Url, Options.WebFront, Options.Ini, Options.Keep),
            "reference" => await ReferenceTarget.StartAsync(Options.ReferenceScript, Emulator.Url, Options.Keep),
            "external" => new ExternalTarget(Options.Url!, Options.Pid!.Value),
            var other => throw new ArgumentException($"Unknown target {other}"),
        };
        Emulator.Ramdisks.Options = Emulator.Ramdisks.Options with { InspectorUrl = target.Url };
        return target;
    }

    /// <summary>Keeps a scenario's result, with the machine's load meanwhile: printed as a table, written as JSON.</summary>
    public async Task ReportAsync(string scenario, ServiceTarget target, JsonObject result, LoadAverage load)
    {
        result["load_average_1m"] = load.ToJson();
        result["scenario"] = scenario;
        result["target"] = target.Name;
        result["machine"] = Machine();
        result["at"] = DateTime.UtcNow.ToString("O", CultureInfo.InvariantCulture);
        _results.Add((scenario, result));
        Directory.CreateDirectory(Options.Out);
        var file = Path.Combine(Options.Out, $"{scenario}-{target.Name}-{result["nodes"]}.json");
        await File.WriteAllTextAsync(file, result.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        Console.WriteLine();
        Console.WriteLine($"== {scenario}, {target.Name}, {result["nodes"]} nodes  ({file})");
        Table.Print(result);
    }

    public ValueTask DisposeAsync() => Emulator.DisposeAsync();

    private static JsonObject Machine() => new()
    {
        ["cores"] = Environment.ProcessorCount,
        ["os"] = System.Runtime.InteropServices.RuntimeInformation.OSDescription,
        ["dotnet"] = Environment.Version.ToString(),
        ["cpu"] = File.Exists("/proc/cpuinfo")
            ? File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim()
            : null,
    };
}

/// <summary>A result as a two-column table (nested objects flattened as a.b).</summary>
public static class Table
{
    public static void Print(JsonObject result)
    {
        var rows = new List<(string, string)>();
        Flatten("", result, rows);
        var width = rows.Max(r => r.Item1.Length);
        foreach (var (key, value) in rows)
        {
            Console.WriteLine($"  {key.PadRight(width)}  {value}");
        }
    }

    private static void Flatten(string prefix, JsonObject json, List<(string, string)> rows)
    {
        foreach (var (key, value) in json)
        {
            if (key is "machine" or "at" or "scenario" or "target")
            {
                continue;
            }

            var name = prefix.Length == 0 ? key : $"{prefix}.{key}";
            if (value is JsonObject nested)
            {
                Flatten(name, nested, rows);
            }
            else if (value is not JsonArray)
            {
                rows.Add((name, value?.ToJsonString() ?? "null"));
            }
        }
    }
}
