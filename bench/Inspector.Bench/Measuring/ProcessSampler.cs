using System.Globalization;

namespace Inspector.Bench.Measuring;

/// <summary>
/// CPU time and peak resident memory of a service: the process and its descendants, read from
/// <c>/proc/PID/stat</c> (utime + stime) and <c>/proc/PID/status</c> (VmHWM).
/// </summary>
public sealed class ProcessSampler(int pid)
{
    /// <summary>Clock ticks per second of /proc's times (USER_HZ; 100 on Linux).</summary>
    private const double TicksPerSecond = 100;

    public int Pid => pid;

    public double CpuSeconds() => Tree().Sum(p => Stat(p) is { } s ? (s.Utime + s.Stime) / TicksPerSecond : 0);

    /// <summary>The sum of each process's own peak resident set, in MiB.</summary>
    public double PeakRssMiB() => Tree().Sum(p => StatusKiB(p, "VmHWM:")) / 1024.0;

    public double RssMiB() => Tree().Sum(p => StatusKiB(p, "VmRSS:")) / 1024.0;

    private List<int> Tree()
    {
        var parents = new Dictionary<int, int>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(dir), out var p) && Stat(p) is { } s)
            {
                parents[p] = s.Ppid;
            }
        }

        var tree = new List<int> { pid };
        for (var i = 0; i < tree.Count; i++)
        {
            tree.AddRange(parents.Where(kv => kv.Value == tree[i]).Select(kv => kv.Key));
        }

        return tree;
    }

    private static (int Ppid, long Utime, long Stime)? Stat(int p)
    {
        try
        {
            var text = File.ReadAllText($"/proc/{p}/stat");
            // The command name may hold spaces and parentheses: fields start after the last ')'.
            var fields = text[(text.LastIndexOf(')') + 2)..].Split(' ');
            return (int.Parse(fields[1], CultureInfo.InvariantCulture),
                long.Parse(fields[11], CultureInfo.InvariantCulture),
                long.Parse(fields[12], CultureInfo.InvariantCulture));
        }
        catch (IOException)
        {
            return null;
        }
    }

    private static long StatusKiB(int p, string field)
    {
        try
        {
            foreach (var line in File.ReadLines($"/proc/{p}/status"))
            {
                if (line.StartsWith(field, StringComparison.Ordinal))
                {
                    return long.Parse(line[field.Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
                }
            }
        }
        catch (IOException)
        {
            // gone
        }

        return 0;
    }
}
