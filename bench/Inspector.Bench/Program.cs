using Inspector.Bench;
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
Console.WriteLine($"Fleet emulator (Ironic) on {run.Emulator.Url}; target {options.Target}");
var allFinished = true;

if (options.Scenarios.Contains("fleet") || options.Scenarios.Contains("status"))
{
    foreach (var count in options.Nodes)
    {
        await using var target = await run.StartTargetAsync();
        var fleet = await FleetScenario.RunAsync(run, target, count);
        allFinished &= fleet.AllFinished;
        await run.ReportAsync("fleet", fleet.Result);
        if (options.Scenarios.Contains("status") && fleet.Finished.Count > 0)
        {
            await run.ReportAsync("status", await StatusScenario.RunAsync(run, target, fleet.Finished, count));
        }
    }
}

if (options.Scenarios.Contains("list") || options.Scenarios.Contains("lookup"))
{
    foreach (var count in options.ScaleNodes)
    {
        await using var target = await run.StartTargetAsync();
        var (waiting, setup) = await ScaleScenarios.SetUpAsync(run, target, count);
        if (options.Scenarios.Contains("list"))
        {
            await run.ReportAsync("list", await ScaleScenarios.ListAsync(run, target, count, setup));
        }

        if (options.Scenarios.Contains("lookup"))
        {
            await run.ReportAsync("lookup", await ScaleScenarios.LookupAsync(run, target, count, waiting));
        }
    }
}

if (options.Smoke)
{
    Console.WriteLine(allFinished ? "smoke: every node finished" : "smoke: NOT every node finished");
    return allFinished ? 0 : 1;
}

return 0;
