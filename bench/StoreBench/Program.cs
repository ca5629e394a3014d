// The embedded store alone, driven with the durable writes the fleet flow makes per node, in the
// same order and with the same concurrency: what the SQLite writer costs per node, without the
// HTTP, Orleans and processing around it, so that a storage change can be measured in seconds
// and without the fleet run's noise (docs/benchmarks.md, steps 16 and 17):
//
//   dotnet run -c Release --project bench/StoreBench -- [NODES] [CONCURRENCY] [--no-data]
//
// Per node, as NodeGrain does with store_data = database: the start (the previous data deleted
// beside the new state, starting, with a BMC address and the MACs), waiting, processing beside
// the unprocessed ramdisk data, the processed data, finished (the lookup attributes dropped).
// --no-data leaves the data out, as store_data = none does.
using System.Diagnostics;
using System.Globalization;
using Inspector.FleetEmulator.Hardware;
using Inspector.Grains.Interfaces.Nodes;
using Inspector.Grains.Nodes;
using Inspector.Grains.Storage.Sqlite;
using Microsoft.Extensions.Logging.Abstractions;

var storeData = !args.Contains("--no-data");
var numbers = args.Where(a => a != "--no-data").ToArray();
if (numbers.Length > 2 || !numbers.All(a => int.TryParse(a, CultureInfo.InvariantCulture, out var n) && n > 0))
{
    Console.Error.WriteLine("usage: Inspector.Bench.StoreBench [NODES] [CONCURRENCY] [--no-data]");
    return 2;
}

var nodes = numbers.Length > 0 ? int.Parse(numbers[0], CultureInfo.InvariantCulture) : 20_000;
var concurrency = numbers.Length > 1 ? int.Parse(numbers[1], CultureInfo.InvariantCulture) : 256;

var folder = Directory.CreateTempSubdirectory("inspector-storebench-");
try
{
    using var database = new SqliteDatabase(Path.Combine(folder.FullName, "inspector.sqlite"), NullLogger<SqliteDatabase>.Instance);
    var store = new SqliteNodeStore(database);
    var data = new SqliteIntrospectionDataStore(database);

    var before = Measure.Take();
    var clock = Stopwatch.StartNew();
    var next = -1;
    await Task.WhenAll(Enumerable.Range(0, concurrency).Select(_ => Task.Run(async () =>
    {
        for (var i = Interlocked.Increment(ref next); i < nodes; i = Interlocked.Increment(ref next))
        {
            await IntrospectAsync(HardwareCatalog.Generate(1, i));
        }
    })));
    clock.Stop();
    var after = Measure.Take();

    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"""
        nodes                        {nodes}
        concurrency                  {concurrency}
        store_data                   {(storeData ? "database" : "none")}
        nodes_per_second             {nodes / clock.Elapsed.TotalSeconds:F0}
        cpu_ms_per_node              {(after.ProcessCpu - before.ProcessCpu).TotalMilliseconds / nodes:F3}
        writer_cpu_ms_per_node       {(after.WriterCpu - before.WriterCpu).TotalMilliseconds / nodes:F3}
        writer_kib_written_per_node  {(after.WriterBytes - before.WriterBytes) / 1024.0 / nodes:F1}
        database_kib_per_node        {DatabaseBytes(folder) / 1024.0 / nodes:F1}
        """));
    return 0;

    async Task IntrospectAsync(NodeHardware hardware)
    {
        var uuid = hardware.Uuid;
        var state = new NodeState
        {
            State = IntrospectionState.Starting,
            StartedAt = DateTime.UtcNow,
            LookupAttributes =
            [
                new LookupAttribute(LookupAttribute.BmcAddress, hardware.BmcV4),
                new LookupAttribute(LookupAttribute.BmcAddress, hardware.BmcV6),
                new LookupAttribute(LookupAttribute.Mac, hardware.PxeNic.Mac),
            ],
        };
        var deleted = data.DeleteAsync(uuid);
        var etag = await store.WriteAsync(uuid, state, null);
        await deleted;

        state.State = IntrospectionState.Waiting;
        etag = await store.WriteAsync(uuid, state, etag);

        var unprocessed = InventoryWriter.Write(hardware);
        state.State = IntrospectionState.Processing;
        var saved = storeData ? data.SaveAsync(uuid, processed: false, unprocessed) : Task.CompletedTask;
        etag = await store.WriteAsync(uuid, state, etag);
        await saved;

        // The processed data stands in as the same text: in a fleet run it is about as long
        // (5.6 KB on average against 4.9 KB), and only its length matters to the writer.
        if (storeData)
        {
            await data.SaveAsync(uuid, processed: true, unprocessed);
        }

        state.State = IntrospectionState.Finished;
        state.FinishedAt = DateTime.UtcNow;
        state.LookupAttributes = [];
        await store.WriteAsync(uuid, state, etag);
    }
}
finally
{
    Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
    folder.Delete(recursive: true);
}

static long DatabaseBytes(DirectoryInfo folder) =>
    folder.GetFiles("inspector.sqlite*").Sum(f => f.Length);

/// <summary>CPU of the process and of the writer thread, and what the writer wrote, from /proc.</summary>
internal sealed record Measure(TimeSpan ProcessCpu, TimeSpan WriterCpu, long WriterBytes)
{
    public static Measure Take()
    {
        var writer = Directory.GetDirectories("/proc/self/task")
            .First(task => File.ReadAllText(Path.Combine(task, "comm")).Trim() == "sqlite-writer");
        var io = File.ReadAllLines(Path.Combine(writer, "io"))
            .First(line => line.StartsWith("wchar:", StringComparison.Ordinal));
        return new Measure(
            Process.GetCurrentProcess().TotalProcessorTime,
            Ticks(File.ReadAllText(Path.Combine(writer, "stat"))),
            long.Parse(io["wchar:".Length..].Trim(), CultureInfo.InvariantCulture));
    }

    // Fields 14 and 15 of /proc/.../stat (user and system time, in clock ticks of 10 ms), counted
    // after the command name, which is in parentheses and may hold spaces.
    private static TimeSpan Ticks(string stat)
    {
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return TimeSpan.FromMilliseconds(10 * (long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)));
    }
}
