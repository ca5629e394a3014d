using System.Text.Json.Nodes;
using Inspector.Bench.Load;
using Inspector.Bench.Measuring;
using Inspector.Bench.Targets;

namespace Inspector.Bench.Scenarios;

/// <summary>Scenario 2: GET /v1/introspection/UUID of finished nodes at 32-64 connections for 15 s.</summary>
public static class StatusScenario
{
    public static async Task<JsonObject> RunAsync(BenchRun run, ServiceTarget target, IReadOnlyList<string> finished, int fleetSize)
    {
        var options = run.Options;
        var generator = options.LoadGenerator ?? (StatusLoad.WrkInstalled() ? "wrk" : "dotnet");
        var paths = finished.Take(20_000).Select(u => $"/v1/introspection/{u}").ToList();
        var sampler = new ProcessSampler(target.Pid);
        var cpuBefore = sampler.CpuSeconds();
        LoadResult load;
        await using (new ProgressLine($"status {fleetSize}", () => $"{generator}, {options.StatusConnections} connections, {options.StatusSeconds} s"))
        {
            load = await StatusLoad.RunAsync(generator, target.Url, paths, options.StatusConnections, TimeSpan.FromSeconds(options.StatusSeconds));
        }

        var cpu = sampler.CpuSeconds() - cpuBefore;
        return new JsonObject
        {
            ["nodes"] = fleetSize,
            ["load_generator"] = load.Generator,
            ["connections"] = options.StatusConnections,
            ["distinct_nodes"] = paths.Count,
            ["seconds"] = Math.Round(load.Seconds, 2),
            ["requests"] = load.Requests,
            ["errors"] = load.Errors,
            ["requests_per_second"] = Math.Round(load.RequestsPerSecond, 0),
            ["p50_ms"] = Latencies.Round(load.P50Ms),
            ["p99_ms"] = Latencies.Round(load.P99Ms),
            ["service_cpu_ms_per_request"] = Math.Round(cpu * 1000 / Math.Max(load.Requests, 1), 4),
        };
    }
}
