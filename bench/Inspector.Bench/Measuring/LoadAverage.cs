using System.Globalization;
using System.Text.Json.Nodes;

namespace Inspector.Bench.Measuring;

/// <summary>
/// The machine's 1-minute load average over a scenario, sampled every 2 s from
/// <c>/proc/loadavg</c>: other work on the same cores skews wall-clock figures, so every result
/// says how busy the machine was while it was taken.
/// </summary>
public sealed class LoadAverage : IAsyncDisposable
{
    private readonly List<double> _samples = [];
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _sampling;

    public LoadAverage()
    {
        Sample();
        _sampling = Task.Run(async () =>
        {
            using var timer = new PeriodicTimer(TimeSpan.FromSeconds(2));
            try
            {
                while (await timer.WaitForNextTickAsync(_stop.Token))
                {
                    Sample();
                }
            }
            catch (OperationCanceledException)
            {
                // stopped
            }
        });
    }

    /// <summary>Start, end, mean and maximum of the samples taken so far.</summary>
    public JsonObject ToJson()
    {
        Sample();
        lock (_samples)
        {
            return _samples.Count == 0 ? new JsonObject() : new JsonObject
            {
                ["start"] = _samples[0],
                ["end"] = _samples[^1],
                ["mean"] = Math.Round(_samples.Average(), 2),
                ["max"] = _samples.Max(),
            };
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _sampling;
        _stop.Dispose();
    }

    private void Sample()
    {
        if (!File.Exists("/proc/loadavg"))
        {
            return;
        }

        var first = File.ReadAllText("/proc/loadavg").Split(' ')[0];
        lock (_samples)
        {
            _samples.Add(double.Parse(first, CultureInfo.InvariantCulture));
        }
    }
}
