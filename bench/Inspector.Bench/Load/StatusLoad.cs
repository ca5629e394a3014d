using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using Inspector.Bench.Measuring;

namespace Inspector.Bench.Load;

/// <summary>What a closed-loop GET load produced.</summary>
public sealed record LoadResult(string Generator, long Requests, long Errors, double Seconds, double P50Ms, double P99Ms)
{
    public double RequestsPerSecond => Requests / Seconds;
}

/// <summary>
/// GETs of many paths at a fixed number of connections for a fixed time. <c>wrk</c> (C, epoll)
/// when installed, since it costs the 2-core machine far less than any managed client;
/// otherwise HttpClient with one SocketsHttpHandler connection per worker.
/// </summary>
public static partial class StatusLoad
{
    public static bool WrkInstalled() =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Any(d => File.Exists(Path.Combine(d, "wrk")));

    public static async Task<LoadResult> RunAsync(string generator, Uri url, IReadOnlyList<string> paths, int connections, TimeSpan duration) =>
        generator == "wrk" ? await WrkAsync(url, paths, connections, duration) : await DotnetAsync(url, paths, connections, duration);

    private static async Task<LoadResult> WrkAsync(Uri url, IReadOnlyList<string> paths, int connections, TimeSpan duration)
    {
        var directory = Directory.CreateTempSubdirectory("inspector-bench-wrk-").FullName;
        try
        {
            var pathsFile = Path.Combine(directory, "paths.txt");
            await File.WriteAllLinesAsync(pathsFile, paths);
            var script = Path.Combine(directory, "paths.lua");
            // Every thread reads the paths and starts at its own offset; each request takes the next path.
            await File.WriteAllTextAsync(script, $$"""
                local paths = {}
                for line in io.lines("{{pathsFile}}") do paths[#paths + 1] = line end
                local i = math.random(#paths)
                request = function()
                  i = i % #paths + 1
                  return wrk.format("GET", paths[i])
                end
                """);
            var start = new ProcessStartInfo("wrk") { RedirectStandardOutput = true, UseShellExecute = false };
            foreach (var argument in new[] { "-t", "2", "-c", connections.ToString(CultureInfo.InvariantCulture),
                         "-d", $"{(int)duration.TotalSeconds}s", "--latency", "-s", script, url.ToString() })
            {
                start.ArgumentList.Add(argument);
            }

            using var process = Process.Start(start)!;
            var output = await process.StandardOutput.ReadToEndAsync();
            await process.WaitForExitAsync();
            var requests = long.Parse(Match(RequestsLine(), output), CultureInfo.InvariantCulture);
            var seconds = double.Parse(Match(SecondsLine(), output), CultureInfo.InvariantCulture);
            var non2xx = RegexMatch(Non2xxLine(), output) is { } n ? long.Parse(n, CultureInfo.InvariantCulture) : 0;
            var socketErrors = SocketErrors().Matches(output).Sum(m => long.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture));
            return new LoadResult("wrk", requests, non2xx + socketErrors, seconds,
                Milliseconds(Match(P50Line(), output)), Milliseconds(Match(P99Line(), output)));
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    private static async Task<LoadResult> DotnetAsync(Uri url, IReadOnlyList<string> paths, int connections, TimeSpan duration)
    {
        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = connections, UseProxy = false }) { BaseAddress = url };
        var uris = paths.Select(p => new Uri(url, p)).ToArray();
        var latencies = new Latencies();
        long requests = 0;
        long errors = 0;
        var clock = Stopwatch.StartNew();
        var workers = Enumerable.Range(0, connections).Select(async w =>
        {
            var i = w * 7919 % uris.Length;
            while (clock.Elapsed < duration)
            {
                i = (i + 1) % uris.Length;
                var started = Stopwatch.GetTimestamp();
                try
                {
                    using var response = await http.GetAsync(uris[i], HttpCompletionOption.ResponseContentRead);
                    if (!response.IsSuccessStatusCode)
                    {
                        Interlocked.Increment(ref errors);
                    }
                }
                catch (HttpRequestException)
                {
                    Interlocked.Increment(ref errors);
                }

                latencies.Add(Stopwatch.GetElapsedTime(started));
                Interlocked.Increment(ref requests);
            }
        });
        await Task.WhenAll(workers);
        return new LoadResult("dotnet", requests, errors, clock.Elapsed.TotalSeconds, latencies.Percentile(50), latencies.Percentile(99));
    }

    private static string Match(Regex regex, string output) =>
        RegexMatch(regex, output) ?? throw new InvalidOperationException($"Unexpected wrk output ({regex}):\n{output}");

    private static string? RegexMatch(Regex regex, string output) => regex.Match(output) is { Success: true } m ? m.Groups[1].Value : null;

    /// <summary>wrk prints 812.00us, 1.23ms or 1.02s.</summary>
    private static double Milliseconds(string value)
    {
        var number = double.Parse(value.TrimEnd('u', 'm', 's'), CultureInfo.InvariantCulture);
        return value.EndsWith("us", StringComparison.Ordinal) ? number / 1000
            : value.EndsWith("ms", StringComparison.Ordinal) ? number
            : value.EndsWith("m", StringComparison.Ordinal) ? number * 60_000
            : number * 1000;
    }

    [GeneratedRegex(@"(\d+) requests in")]
    private static partial Regex RequestsLine();

    [GeneratedRegex(@"requests in ([\d.]+)s")]
    private static partial Regex SecondsLine();

    [GeneratedRegex(@"Non-2xx or 3xx responses: (\d+)")]
    private static partial Regex Non2xxLine();

    [GeneratedRegex(@"(?:connect|read|write|timeout) (\d+)")]
    private static partial Regex SocketErrors();

    [GeneratedRegex(@"\s50%\s+([\d.]+\w+)")]
    private static partial Regex P50Line();

    [GeneratedRegex(@"\s99%\s+([\d.]+\w+)")]
    private static partial Regex P99Line();
}
