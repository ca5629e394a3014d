using Inspector.Bench;
using Inspector.Bench.Measuring;
using Inspector.Bench.Scenarios;

BenchOptions options;
try
{
    options = BenchOptions.Parse(args);
}
catch (Exception e) when (e is ArgumentException or FormatException)
{
    await Console.Error.WriteLineAsync($"{e.Message}\n\n{BenchOptions.Usage}");
    return 2;
}

await using var run = await BenchRun.StartAsync(options);
Console.WriteLine($"Fleet emulator (Ironic) on {run.Emulator.Url}; targets {string.Join(", ", options.Targets)}");
var allFinished = true;

// Scenario by scenario, each target in turn, so that the targets share the machine's load alike.
if (options.Scenarios.Contains("fleet") || options.Scenarios.Contains("status"))
{
    foreach (var count in options.Nodes)
    {
        foreach (var name in options.Targets)
        {
            await using var target = await run.StartTargetAsync(name);
            if (options.Warmup > 0)
            {
                // Not measured: the service's first minute (JIT, caches, connection pools) is
                // left out, as for a service that has been running, on every target alike.
                var warmup = await FleetScenario.RunAsync(run, target, options.Warmup);
                Console.WriteLine($"== warm-up, {target.Name}, {options.Warmup} nodes: {warmup.Result["nodes_per_second"]} nodes/s, " +
                                  $"{warmup.Finished.Count} finished");
            }

            FleetScenario.Outcome fleet;
            await using (var load = new LoadAverage())
            {
                fleet = await FleetScenario.RunAsync(run, target, count);
                allFinished &= fleet.AllFinished;
                await run.ReportAsync("fleet", target, fleet.Result, load);
            }

            if (options.Scenarios.Contains("status") && fleet.Finished.Count > 0)
            {
                await using var load = new LoadAverage();
                await run.ReportAsync("status", target, await StatusScenario.RunAsync(run, target, fleet.Finished, count), load);
            }
        }
    }
}

if (options.Scenarios.Contains("list") || options.Scenarios.Contains("lookup"))
{
    foreach (var count in options.ScaleNodes)
    {
        foreach (var name in options.Targets)
        {
            await using var target = await run.StartTargetAsync(name);
            await using var load = new LoadAverage();
            var (waiting, setup) = await ScaleScenarios.SetUpAsync(run, target, count);
            if (options.Scenarios.Contains("list"))
            {
                await run.ReportAsync("list", target, await ScaleScenarios.ListAsync(run, target, count, setup), load);
            }

            if (options.Scenarios.Contains("lookup"))
            {
                await using var lookupLoad = new LoadAverage();
                await run.ReportAsync("lookup", target, await ScaleScenarios.LookupAsync(run, target, count, waiting), lookupLoad);
            }
        }
    }
}

if (options.Smoke)
{
    Console.WriteLine(allFinished ? "smoke: every node finished" : "smoke: NOT every node finished");
    return allFinished ? 0 : 1;
}

return 0;
