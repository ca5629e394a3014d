using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Inspector.Grains.Configuration;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Inspector.Grains.Processing;

/// <summary>
/// Saves the logs a ramdisk sends (a base64 tarball) in <c>[processing] ramdisk_logs_dir</c>,
/// named by <c>ramdisk_logs_filename_format</c> with <c>{uuid}</c>, <c>{bmc}</c>, <c>{mac}</c>
/// and <c>{dt:STRFTIME}</c> as in the reference.
/// </summary>
public sealed partial class RamdiskLogs(IOptions<ProcessingOptions> options, TimeProvider time, ILogger<RamdiskLogs> logger)
{
    /// <summary>Stores the logs when there is a directory for them and a reason to keep them.</summary>
    public async Task<string?> StoreAsync(RamdiskData data, string? nodeUuid, CancellationToken ct = default)
    {
        var directory = options.Value.RamdiskLogsDir;
        if (string.IsNullOrEmpty(directory) || data.Logs is not { } logs
            || (data.Error is null && !options.Value.AlwaysStoreRamdiskLogs))
        {
            return null;
        }

        byte[] content;
        try
        {
            content = Convert.FromBase64String(logs);
        }
        catch (FormatException)
        {
            logger.LogWarning("Node {Node}: the ramdisk logs are not valid base64, storing them as sent", nodeUuid ?? "unknown");
            content = Encoding.UTF8.GetBytes(logs);
        }

        var name = FileName(options.Value.RamdiskLogsFilenameFormat, nodeUuid ?? "unknown", data.BmcAddress ?? "unknown",
            data.PxeMac ?? "unknown", time.GetUtcNow().UtcDateTime);
        Directory.CreateDirectory(directory);
        var path = Path.Combine(directory, name);
        await File.WriteAllBytesAsync(path, content, ct);
        logger.LogInformation("Ramdisk logs of node {Node} stored in {Path}", nodeUuid ?? "unknown", path);
        return path;
    }

    public static string FileName(string format, string uuid, string bmc, string mac, DateTime dt) =>
        Placeholder().Replace(format, m => m.Groups["name"].Value switch
        {
            "uuid" => uuid,
            "bmc" => bmc,
            "mac" => mac.Replace(':', '_'),
            "dt" when m.Groups["format"].Success => Strftime(m.Groups["format"].Value, dt),
            "dt" => dt.ToString("yyyy-MM-dd HH:mm:ss.ffffff", CultureInfo.InvariantCulture),
            _ => m.Value,
        });

    private static string Strftime(string format, DateTime dt) => Directive().Replace(format, m => m.Value[1] switch
    {
        'Y' => dt.ToString("yyyy", CultureInfo.InvariantCulture),
        'm' => dt.ToString("MM", CultureInfo.InvariantCulture),
        'd' => dt.ToString("dd", CultureInfo.InvariantCulture),
        'H' => dt.ToString("HH", CultureInfo.InvariantCulture),
        'M' => dt.ToString("mm", CultureInfo.InvariantCulture),
        'S' => dt.ToString("ss", CultureInfo.InvariantCulture),
        'f' => dt.ToString("ffffff", CultureInfo.InvariantCulture),
        '%' => "%",
        _ => m.Value,
    });

    [GeneratedRegex(@"\{(?<name>[a-z_]+)(:(?<format>[^}]*))?\}")]
    private static partial Regex Placeholder();

    [GeneratedRegex("%.")]
    private static partial Regex Directive();
}
