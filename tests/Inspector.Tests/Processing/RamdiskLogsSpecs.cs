using System.Net;
using System.Text;
using System.Text.RegularExpressions;
using Inspector.Tests.Infrastructure;

namespace Inspector.Tests.Processing;

/// <summary>An inspector that keeps the logs of failing ramdisks in <c>{dir}/ramdisk-logs</c>.</summary>
public sealed class RamdiskLogsInspector() : ConfiguredInspector(new Dictionary<string, string>
{
    ["processing"] = "ramdisk_logs_dir = {dir}/ramdisk-logs",
})
{
    public string LogsDirectory => Path.Combine(Directory, "ramdisk-logs");
}

/// <summary>The logs ramdisks send (base64 tarballs) end up in <c>[processing] ramdisk_logs_dir</c>.</summary>
public sealed partial class RamdiskLogsSpecs(RamdiskLogsInspector shared) : IClassFixture<RamdiskLogsInspector>
{
    private InspectorHost Host => shared.Host;

    /// <summary>Bytes no other test sends, standing in for a gzipped tarball.</summary>
    private static byte[] UniqueLogs()
    {
        var bytes = new byte[512];
        Random.Shared.NextBytes(bytes);
        bytes[0] = 0x1f;
        bytes[1] = 0x8b;
        return bytes;
    }

    /// <summary>The files in <paramref name="directory"/> whose content is <paramref name="content"/>.</summary>
    private static List<string> FilesWith(string directory, byte[] content) =>
        !System.IO.Directory.Exists(directory)
            ? []
            : [.. System.IO.Directory.GetFiles(directory).Where(f => File.ReadAllBytes(f).AsSpan().SequenceEqual(content)).Select(f => Path.GetFileName(f))];

    [GeneratedRegex(@"^(?<prefix>.+)_(?<date>\d{8})-(?<time>\d{6})\.(?<fraction>\d{6})\.tar\.gz$")]
    private static partial Regex DefaultFileName();

    private static void AssertFileName(string name, string prefix)
    {
        var match = DefaultFileName().Match(name);
        Assert.True(match.Success, $"{name} does not follow {{uuid}}_{{dt:%Y%m%d-%H%M%S.%f}}.tar.gz");
        Assert.Equal(prefix, match.Groups["prefix"].Value);
        var stamp = DateTime.ParseExact(match.Groups["date"].Value + match.Groups["time"].Value, "yyyyMMddHHmmss",
            System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal | System.Globalization.DateTimeStyles.AdjustToUniversal);
        Assert.InRange(stamp, DateTime.UtcNow.AddMinutes(-5), DateTime.UtcNow.AddMinutes(1));
    }

    [Fact]
    public async Task A_ramdisk_error_stores_the_decoded_logs_named_after_the_node_and_the_time()
    {
        var mac = InspectorHost.RandomMac();
        var bmc = ProcessingProbes.RandomBmc();
        var node = await Host.StartedNodeAsync(mac, bmc: bmc);
        var logs = UniqueLogs();
        var payload = RamdiskPayloads.Ipa(mac, bmc);
        payload["error"] = "hardware manager crashed";
        payload["logs"] = Convert.ToBase64String(logs);

        var message = await (await Host.PostContinueAsync(payload)).AssertErrorAsync(HttpStatusCode.BadRequest);
        Assert.Equal("Ramdisk reported error: hardware manager crashed", message);
        Assert.Equal("error", (string?)(await Host.StatusAsync(node))["state"]);

        var file = Assert.Single(FilesWith(shared.LogsDirectory, logs));
        AssertFileName(file, node);
    }

    [Fact]
    public async Task Without_an_error_the_logs_are_not_stored_and_not_kept_in_the_processed_data()
    {
        var logs = UniqueLogs();
        var (node, _, _) = await Host.FinishedNodeAsync(payload: (mac, bmc) =>
        {
            var payload = RamdiskPayloads.Ipa(mac, bmc);
            payload["logs"] = Convert.ToBase64String(logs);
            return payload;
        });

        Assert.Empty(FilesWith(shared.LogsDirectory, logs));
        var processed = await Host.ProcessedDataAsync(node);
        Assert.False(processed.ContainsKey("logs"));
        Assert.NotNull(processed["inventory"]);
    }

    [Fact]
    public async Task An_error_from_an_unknown_machine_stores_the_logs_as_unknown()
    {
        var logs = UniqueLogs();
        var payload = RamdiskPayloads.Ipa(InspectorHost.RandomMac(), ProcessingProbes.RandomBmc());
        payload["error"] = "no network";
        payload["logs"] = Convert.ToBase64String(logs);

        var message = await (await Host.PostContinueAsync(payload)).AssertErrorAsync(HttpStatusCode.BadRequest);
        Assert.Equal("Ramdisk reported error: no network", message);
        AssertFileName(Assert.Single(FilesWith(shared.LogsDirectory, logs)), "unknown");
    }

    [Fact]
    public async Task Logs_that_are_not_base64_are_stored_as_sent()
    {
        var mac = InspectorHost.RandomMac();
        var bmc = ProcessingProbes.RandomBmc();
        var node = await Host.StartedNodeAsync(mac, bmc: bmc);
        var logs = $"plain text log {Guid.NewGuid()} !!";
        var payload = RamdiskPayloads.Ipa(mac, bmc);
        payload["error"] = "oops";
        payload["logs"] = logs;

        await (await Host.PostContinueAsync(payload)).AssertErrorAsync(HttpStatusCode.BadRequest);
        AssertFileName(Assert.Single(FilesWith(shared.LogsDirectory, Encoding.UTF8.GetBytes(logs))), node);
    }

    [Fact]
    public async Task An_error_without_logs_stores_nothing()
    {
        var mac = InspectorHost.RandomMac();
        var bmc = ProcessingProbes.RandomBmc();
        var node = await Host.StartedNodeAsync(mac, bmc: bmc);
        var payload = RamdiskPayloads.Ipa(mac, bmc);
        payload["error"] = "no logs collected";

        await (await Host.PostContinueAsync(payload)).AssertErrorAsync(HttpStatusCode.BadRequest);
        Assert.DoesNotContain(System.IO.Directory.Exists(shared.LogsDirectory) ? System.IO.Directory.GetFiles(shared.LogsDirectory) : [],
            f => Path.GetFileName(f).StartsWith(node, StringComparison.Ordinal));
    }

    [Fact]
    public async Task With_always_store_ramdisk_logs_the_logs_of_a_success_are_stored_too()
    {
        var directory = System.IO.Directory.CreateTempSubdirectory("inspector-proc-").FullName;
        await using var host = await ProcessingHostConfig.StartAsync(new Dictionary<string, string>
        {
            ["processing"] = "ramdisk_logs_dir = {dir}/logs\nalways_store_ramdisk_logs = true\nramdisk_logs_filename_format = {uuid}-{mac}-{bmc}.tgz",
        }, directory);
        var logs = UniqueLogs();
        var (node, mac, bmc) = await host.FinishedNodeAsync(payload: (mac, bmc) =>
        {
            var payload = RamdiskPayloads.Ipa(mac, bmc);
            payload["logs"] = Convert.ToBase64String(logs);
            return payload;
        });

        Assert.Equal([$"{node}-{mac.Replace(':', '_')}-{bmc}.tgz"], FilesWith(Path.Combine(directory, "logs"), logs));
        Assert.False((await host.ProcessedDataAsync(node)).ContainsKey("logs"));
    }
}
