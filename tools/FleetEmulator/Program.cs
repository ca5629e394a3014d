using System.Globalization;
using Inspector.FleetEmulator;
using Inspector.FleetEmulator.Ramdisk;

// Runs an emulated Ironic with a fleet of servers and their ramdisks:
//   --port N (6385)  --latency-ms N (0)  --nodes N (0)  --seed N (1)
//   --inspector URL (ramdisks post there; also POST /fleet/ramdisk)  --boot-delay-ms N (0)
//   --no-boot-on-power (ramdisks post only on POST /fleet/boot)
var port = 6385;
var latency = 0;
var nodes = 0;
var seed = 1;
var bootDelay = 0;
var bootOnPower = true;
Uri? inspector = null;
for (var i = 0; i < args.Length; i++)
{
    string Value() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
    switch (args[i])
    {
        case "--port": port = int.Parse(Value(), CultureInfo.InvariantCulture); break;
        case "--latency-ms": latency = int.Parse(Value(), CultureInfo.InvariantCulture); break;
        case "--nodes": nodes = int.Parse(Value(), CultureInfo.InvariantCulture); break;
        case "--seed": seed = int.Parse(Value(), CultureInfo.InvariantCulture); break;
        case "--inspector": inspector = new Uri(Value()); break;
        case "--boot-delay-ms": bootDelay = int.Parse(Value(), CultureInfo.InvariantCulture); break;
        case "--no-boot-on-power": bootOnPower = false; break;
        default:
            await Console.Error.WriteLineAsync($"Unknown argument {args[i]}");
            return 2;
    }
}

var options = new RamdiskOptions { InspectorUrl = inspector, BootDelay = TimeSpan.FromMilliseconds(bootDelay), BootOnPower = bootOnPower };
await using var server = await FleetEmulatorServer.StartAsync(port, TimeSpan.FromMilliseconds(latency), options);
if (nodes > 0)
{
    server.Fleet.Enrol(nodes, seed);
}

Console.WriteLine($"Fleet emulator (Ironic API) listening on {server.Url} with {server.Fleet.Count} nodes");
// SIGTERM and Ctrl-C stop the web host; the server is then disposed and the process exits 0.
await server.WaitForShutdownAsync();
return 0;
