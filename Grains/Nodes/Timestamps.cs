using System.Globalization;

namespace Inspector.Grains.Nodes;

/// <summary>Timestamps as ironic-inspector shows them: naive UTC with microseconds.</summary>
public static class Timestamps
{
    /// <summary>The current UTC time truncated to microseconds, the precision that is stored.</summary>
    public static DateTime Now(TimeProvider time) => Truncate(time.GetUtcNow().UtcDateTime);

    public static DateTime Truncate(DateTime value) =>
        new(value.Ticks - (value.Ticks % 10), DateTimeKind.Utc);

    /// <summary>Python's <c>datetime.isoformat()</c>: microseconds only when there are any, no offset.</summary>
    public static string Format(DateTime value)
    {
        var micros = value.Ticks % TimeSpan.TicksPerSecond / 10;
        return micros == 0
            ? value.ToString("yyyy-MM-dd'T'HH:mm:ss", CultureInfo.InvariantCulture)
            : value.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff", CultureInfo.InvariantCulture);
    }

    public static long ToUnixMicroseconds(DateTime value) =>
        (value.Ticks - DateTime.UnixEpoch.Ticks) / 10;

    public static DateTime FromUnixMicroseconds(long micros) =>
        new(DateTime.UnixEpoch.Ticks + (micros * 10), DateTimeKind.Utc);
}
