using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json.Nodes;
using Inspector.Bench.Measuring;
using Inspector.Bench.Targets;
using Inspector.FleetEmulator.Hardware;
using Inspector.FleetEmulator.Ramdisk;

namespace Inspector.Bench.Scenarios;

/// <summary>
/// Scenario 1: N servers enrolled, introspection started on all of them at concurrency C; each
/// ramdisk posts its data when Ironic reboots the node (or right after the start with
/// <c>--boot command</c>). Measures until every node finished, then checks the service's own
/// list says so.
/// </summary>
/// <remarks>
/// A node is finished when its ramdisk got its answer and, when the service manages the boot, the
/// service powered it off: the reference answers <c>/v1/continue</c> before it finishes the node in
/// the background, and powering off is the last thing either service does (watched on the
/// emulator, so waiting puts no load on the service under test). Whatever the service's own list
/// does not yet call finished then is polled for every 500 ms.
/// </remarks>
public static class FleetScenario
{
    /// <summary>No ramdisk finished for this long: the run is stuck, report what finished.</summary>
    private static readonly TimeSpan Stall = TimeSpan.FromSeconds(120);

    public sealed record Outcome(JsonObject Result, IReadOnlyList<string> Finished, bool AllFinished);

    public static async Task<Outcome> RunAsync(BenchRun run, ServiceTarget target, int count)
    {
        var options = run.Options;
        var emulator = run.Emulator;
        var nodes = emulator.Fleet.Enrol(count, options.Seed);
        var mine = nodes.Select(n => n.Uuid).ToHashSet(StringComparer.OrdinalIgnoreCase);
        emulator.Ramdisks.Reset();
        var finishedOutcomes = new ConcurrentDictionary<string, CallbackOutcome>(StringComparer.OrdinalIgnoreCase);
        var poweredOff = new ConcurrentDictionary<string, bool>(StringComparer.OrdinalIgnoreCase);
        var completedNodes = new ConcurrentDictionary<string, bool>(StringComparer.OrdinalIgnoreCase);
        var completed = 0;
        var lastFinish = Stopwatch.GetTimestamp();
        void Complete(string uuid)
        {
            // Both events may see each other when they race: count a node once.
            if (completedNodes.TryAdd(uuid, true))
            {
                Interlocked.Increment(ref completed);
                lastFinish = Stopwatch.GetTimestamp();
            }
        }

        void OnFinished(CallbackOutcome o)
        {
            if (mine.Contains(o.Uuid) && finishedOutcomes.TryAdd(o.Uuid, o)
                && (!o.Succeeded || !options.BootOnPower || poweredOff.ContainsKey(o.Uuid)))
            {
                Complete(o.Uuid);
            }
        }

        void OnPower(string uuid, string powerTarget)
        {
            if (options.BootOnPower && powerTarget == "power off" && mine.Contains(uuid) && poweredOff.TryAdd(uuid, true)
                && finishedOutcomes.TryGetValue(uuid, out var o) && o.Succeeded)
            {
                Complete(uuid);
            }
        }

        emulator.Ramdisks.Finished += OnFinished;
        emulator.Ironic.PowerRequested += OnPower;
        using var client = new InspectorClient(target.Url, options.Concurrency);
        var sampler = new ProcessSampler(target.Pid);
        var startLatency = new Latencies();
        var startErrors = new ConcurrentQueue<string>();
        var started = 0;
        var ironicCallsBefore = emulator.Ironic.CallCount;
        var cpuBefore = sampler.CpuSeconds();
        var emulatorCpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
        var clock = Stopwatch.StartNew();
        await using (new ProgressLine($"fleet {count}", () =>
        {
            var done = Volatile.Read(ref completed);
            return $"started {started}/{count}  finished {done}  failed {emulator.Ramdisks.Failed}  retries {emulator.Ramdisks.Retries}  " +
                   $"{done / Math.Max(clock.Elapsed.TotalSeconds, 0.001):F0} nodes/s  rss {sampler.RssMiB():F0} MiB";
        }))
        {
            await Parallel.ForEachAsync(nodes, new ParallelOptions { MaxDegreeOfParallelism = options.Concurrency }, async (node, _) =>
            {
                var (status, latency, error) = await client.StartAsync(node.Uuid, options.BootOnPower);
                Interlocked.Increment(ref started);
                if (status != 202)
                {
                    startErrors.Enqueue($"{status} {error}");
                    return;
                }

                startLatency.Add(latency);
                if (!options.BootOnPower)
                {
                    await emulator.Ramdisks.BootAsync(node);
                }
            });

            var expected = count - startErrors.Count;
            while (Volatile.Read(ref completed) < expected && Stopwatch.GetElapsedTime(lastFinish) < Stall)
            {
                await Task.Delay(20);
            }
        }

        // The service's own word: every node of this fleet finished without error.
        var statuses = await client.ListAllAsync();
        var lastProgress = Stopwatch.GetTimestamp();
        while (statuses.Count(s => mine.Contains(s.Key) && (bool?)s.Value["finished"] == true) is var done
               && done < count - startErrors.Count && Stopwatch.GetElapsedTime(lastProgress) < Stall)
        {
            await Task.Delay(500);
            statuses = await client.ListAllAsync();
            if (statuses.Count(s => mine.Contains(s.Key) && (bool?)s.Value["finished"] == true) > done)
            {
                lastProgress = Stopwatch.GetTimestamp();
            }
        }

        var elapsed = clock.Elapsed;
        emulator.Ramdisks.Finished -= OnFinished;
        emulator.Ironic.PowerRequested -= OnPower;
        var cpu = sampler.CpuSeconds() - cpuBefore;
        var emulatorCpu = (Process.GetCurrentProcess().TotalProcessorTime - emulatorCpuBefore).TotalSeconds;
        var peakRss = sampler.PeakRssMiB();
        var ironicCalls = emulator.Ironic.CallCount - ironicCallsBefore;
        var perNode = nodes.Select(n => emulator.Ironic.Find(n.Uuid)?.CallCount ?? 0).ToList();

        var finished = nodes.Where(n => statuses.TryGetValue(n.Uuid, out var s)
            && (bool?)s["finished"] == true && s["error"] is null).Select(n => n.Uuid).ToList();
        var continueLatency = new Latencies();
        foreach (var o in finishedOutcomes.Values.Where(o => o.Succeeded))
        {
            continueLatency.Add(o.Latency);
        }

        var failures = finishedOutcomes.Values.Where(o => !o.Succeeded).ToList();
        var result = new JsonObject
        {
            ["nodes"] = count,
            ["concurrency"] = options.Concurrency,
            ["boot"] = options.BootOnPower ? "power" : "command",
            ["ironic_latency_ms"] = options.IronicLatencyMs,
            ["seconds"] = Math.Round(elapsed.TotalSeconds, 2),
            ["finished"] = finished.Count,
            ["nodes_per_second"] = Math.Round(finished.Count / elapsed.TotalSeconds, 1),
            ["start"] = startLatency.ToJson(),
            ["continue"] = continueLatency.ToJson(),
            ["errors"] = new JsonObject
            {
                ["start"] = startErrors.Count,
                ["continue"] = failures.Count,
                ["continue_retries"] = emulator.Ramdisks.Retries,
                ["not_finished"] = count - finished.Count,
                ["first"] = startErrors.FirstOrDefault() ?? failures.FirstOrDefault()?.Error,
            },
            ["ironic_calls_per_node"] = new JsonObject
            {
                ["all_calls"] = Math.Round((double)ironicCalls / count, 2),
                ["naming_the_node_mean"] = Math.Round(perNode.Average(), 2),
                ["naming_the_node_max"] = perNode.Max(),
            },
            ["cpu_seconds_per_node"] = Math.Round(cpu / count, 5),
            ["cpu_seconds"] = Math.Round(cpu, 2),
            ["peak_rss_mib"] = Math.Round(peakRss, 1),
            // This process: the emulated Ironic, the ramdisks and the bench's client, on the same cores.
            ["emulator_cpu_seconds_per_node"] = Math.Round(emulatorCpu / count, 5),
            ["warmup_nodes"] = options.Warmup,
        };
        return new Outcome(result, finished, finished.Count == count);
    }
}
