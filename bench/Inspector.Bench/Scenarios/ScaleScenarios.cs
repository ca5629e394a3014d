using System.Text.Json.Nodes;
using Inspector.Bench.Measuring;
using Inspector.Bench.Targets;
using Inspector.FleetEmulator.Hardware;

namespace Inspector.Bench.Scenarios;

/// <summary>
/// Scenarios 3 and 4 on a service with N nodes on introspection (started with
/// <c>manage_boot=false</c>, so they wait for their ramdisks): list pages, and the latency of a
/// ramdisk's post, which must not grow with the number of nodes waiting.
/// </summary>
public static class ScaleScenarios
{
    /// <summary>Enrols N nodes and starts their introspection at high concurrency; returns those still waiting.</summary>
    public static async Task<(List<NodeHardware> Waiting, JsonObject Setup)> SetUpAsync(BenchRun run, ServiceTarget target, int count)
    {
        var nodes = run.Emulator.Fleet.Enrol(count, run.Options.Seed + 1);
        var concurrency = Math.Max(run.Options.Concurrency, 128);
        using var client = new InspectorClient(target.Url, concurrency);
        var started = 0;
        var errors = 0;
        var latency = new Latencies();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        await using (new ProgressLine($"setup {count}", () => $"started {started}/{count}  errors {errors}  {started / Math.Max(clock.Elapsed.TotalSeconds, 0.001):F0}/s"))
        {
            await Parallel.ForEachAsync(nodes, new ParallelOptions { MaxDegreeOfParallelism = concurrency }, async (node, _) =>
            {
                var (status, elapsed, _) = await client.StartAsync(node.Uuid, manageBoot: false);
                Interlocked.Increment(ref started);
                if (status == 202)
                {
                    latency.Add(elapsed);
                }
                else
                {
                    Interlocked.Increment(ref errors);
                }
            });
        }

        var setup = new JsonObject
        {
            ["seconds"] = Math.Round(clock.Elapsed.TotalSeconds, 2),
            ["starts_per_second"] = Math.Round(count / clock.Elapsed.TotalSeconds, 0),
            ["start"] = latency.ToJson(),
            ["errors"] = errors,
        };
        return ([.. nodes], setup);
    }

    /// <summary>Scenario 3: a 1,000-item and a 50-item page (GET /v1/introspection?limit=N), median of 20 each.</summary>
    public static async Task<JsonObject> ListAsync(BenchRun run, ServiceTarget target, int count, JsonObject setup)
    {
        using var client = new InspectorClient(target.Url, 1);
        var result = new JsonObject
        {
            ["nodes"] = count,
            ["setup"] = setup,
            ["peak_rss_mib"] = Math.Round(new ProcessSampler(target.Pid).PeakRssMiB(), 1),
        };
        var sampler = new ProcessSampler(target.Pid);
        foreach (var limit in new[] { 1000, 50 })
        {
            await client.GetAsync($"/v1/introspection?limit={limit}"); // warm-up
            var latency = new Latencies();
            var bytes = 0;
            var cpuBefore = sampler.CpuSeconds();
            for (var i = 0; i < 20; i++)
            {
                var (elapsed, size) = await client.GetAsync($"/v1/introspection?limit={limit}");
                latency.Add(elapsed);
                bytes = size;
            }

            result[$"page_{limit}"] = new JsonObject
            {
                ["median_ms"] = Latencies.Round(latency.Percentile(50)),
                ["max_ms"] = Latencies.Round(latency.Percentile(100)),
                ["bytes"] = bytes,
                // Less sensitive to other work on the machine than the latency (/proc ticks are 10 ms: read as a mean).
                ["service_cpu_ms_per_call"] = Math.Round((sampler.CpuSeconds() - cpuBefore) * 1000 / 20, 2),
            };
        }

        return result;
    }

    /// <summary>Scenario 4: ramdisk posts one at a time for a sample of the waiting nodes.</summary>
    public static async Task<JsonObject> LookupAsync(BenchRun run, ServiceTarget target, int count, IReadOnlyList<NodeHardware> waiting)
    {
        var sample = waiting.Where((_, i) => i % Math.Max(1, waiting.Count / run.Options.Samples) == 0).Take(run.Options.Samples).ToList();
        var latency = new Latencies();
        var failed = 0;
        string? firstError = null;
        var done = 0;
        var sampler = new ProcessSampler(target.Pid);
        var cpuBefore = sampler.CpuSeconds();
        await using (new ProgressLine($"lookup {count}", () => $"posted {done}/{sample.Count}  failed {failed}"))
        {
            foreach (var node in sample)
            {
                var outcome = await run.Emulator.Ramdisks.BootAsync(node);
                done++;
                if (outcome.Succeeded)
                {
                    latency.Add(outcome.Latency);
                }
                else
                {
                    failed++;
                    firstError ??= $"{outcome.Status} {outcome.Error}";
                }
            }
        }

        return new JsonObject
        {
            ["nodes"] = count,
            ["on_introspection"] = count,
            ["samples"] = sample.Count,
            ["continue"] = latency.ToJson(),
            ["failed"] = failed,
            ["first_error"] = firstError,
            // Everything the service did for those posts, background processing included.
            ["service_cpu_ms_per_continue"] = Math.Round((sampler.CpuSeconds() - cpuBefore) * 1000 / Math.Max(sample.Count, 1), 2),
        };
    }
}
