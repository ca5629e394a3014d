using System.Collections.Concurrent;
using System.Text.Json.Nodes;

namespace Inspector.Bench.Measuring;

/// <summary>Latencies of one kind of request, in milliseconds.</summary>
public sealed class Latencies
{
    private readonly ConcurrentBag<double> _values = [];

    public int Count => _values.Count;

    public void Add(TimeSpan latency) => _values.Add(latency.TotalMilliseconds);

    public void Add(double milliseconds) => _values.Add(milliseconds);

    public double Percentile(double p)
    {
        var sorted = _values.Order().ToArray();
        if (sorted.Length == 0)
        {
            return double.NaN;
        }

        var rank = (int)Math.Ceiling(p / 100 * sorted.Length) - 1;
        return sorted[Math.Clamp(rank, 0, sorted.Length - 1)];
    }

    public JsonObject ToJson() => new()
    {
        ["count"] = Count,
        ["p50_ms"] = Round(Percentile(50)),
        ["p95_ms"] = Round(Percentile(95)),
        ["p99_ms"] = Round(Percentile(99)),
        ["max_ms"] = Round(Percentile(100)),
    };

    public string Summary() => Count == 0 ? "-" : $"{Percentile(50):F1} / {Percentile(95):F1} / {Percentile(99):F1}";

    public static double? Round(double value) => double.IsNaN(value) ? null : Math.Round(value, 2);
}
