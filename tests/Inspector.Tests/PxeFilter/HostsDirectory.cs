namespace Inspector.Tests.PxeFilter;

/// <summary>
/// A temporary <c>--dhcp-hostsdir</c> as the dnsmasq PXE filter manages it, with the readings
/// the specs need: each MAC's entry, the wildcard entry, and which files a sync rewrote.
/// </summary>
public sealed class HostsDirectory : IDisposable
{
    public const string UnknownHostsFile = "unknown_hosts_filter";
    public const string DenyUnknown = "*:*:*:*:*:*,ignore\n";
    public const string AllowUnknown = "*:*:*:*:*:*\n";

    /// <summary>A write time no sync can produce: files still carrying it were not rewritten.</summary>
    private static readonly DateTime Backdated = new(2001, 1, 1, 0, 0, 0, DateTimeKind.Utc);

    private readonly DirectoryInfo _root = Directory.CreateTempSubdirectory("inspector-pxe-");

    public HostsDirectory()
    {
        Path = System.IO.Path.Combine(_root.FullName, "dhcp-hostsdir");
    }

    /// <summary>The hosts directory itself (not created: the filter creates it).</summary>
    public string Path { get; }

    /// <summary>A scratch directory beside it, e.g. for files that commands touch.</summary>
    public string Scratch => _root.FullName;

    public static string Denied(string mac) => $"{mac},ignore\n";

    public static string Allowed(string mac) => $"{mac}\n";

    /// <summary>The content of a file in the directory, or null when there is none.</summary>
    public string? Entry(string name)
    {
        try
        {
            return File.ReadAllText(System.IO.Path.Combine(Path, name));
        }
        catch (FileNotFoundException)
        {
            return null;
        }
        catch (DirectoryNotFoundException)
        {
            return null;
        }
    }

    public string? Unknown => Entry(UnknownHostsFile);

    public IReadOnlyList<string> Files =>
        Directory.Exists(Path) ? [.. Directory.EnumerateFiles(Path).Select(f => System.IO.Path.GetFileName(f)).Order(StringComparer.Ordinal)] : [];

    public void Write(string name, string content)
    {
        Directory.CreateDirectory(Path);
        File.WriteAllText(System.IO.Path.Combine(Path, name), content);
    }

    /// <summary>Marks every file as old, so <see cref="Rewritten"/> later names exactly the files written since.</summary>
    public void Backdate()
    {
        foreach (var file in Directory.EnumerateFiles(Path))
        {
            File.SetLastWriteTimeUtc(file, Backdated);
        }
    }

    /// <summary>The files written (or replaced) since the last <see cref="Backdate"/>.</summary>
    public IReadOnlyList<string> Rewritten() =>
        [.. Directory.EnumerateFiles(Path).Where(f => File.GetLastWriteTimeUtc(f) != Backdated).Select(f => System.IO.Path.GetFileName(f)).Order(StringComparer.Ordinal)];

    public void Dispose()
    {
        try
        {
            _root.Delete(recursive: true);
        }
        catch (IOException)
        {
            // A process of the spec may still hold it; the temp directory is cleaned eventually.
        }
    }
}

/// <summary>Polling with a deadline, for effects that the PXE filter applies asynchronously.</summary>
public static class Eventually
{
    public static async Task HoldsAsync(Func<bool> condition, TimeSpan within, Func<string> explain)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (!condition())
        {
            if (clock.Elapsed > within)
            {
                Assert.Fail($"Not within {within.TotalSeconds:0.#} s: {explain()}");
            }

            await Task.Delay(50);
        }
    }
}
