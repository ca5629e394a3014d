using System.Globalization;
using Inspector.IronicEmulator;

// Runs the Ironic emulator alone: --port N (default 6385), --latency-ms N.
var port = 6385;
var latency = 0;
for (var i = 0; i < args.Length - 1; i++)
{
    switch (args[i])
    {
        case "--port":
            port = int.Parse(args[++i], CultureInfo.InvariantCulture);
            break;
        case "--latency-ms":
            latency = int.Parse(args[++i], CultureInfo.InvariantCulture);
            break;
    }
}

var ironic = new EmulatedIronic { Latency = TimeSpan.FromMilliseconds(latency) };
await using var server = await IronicEmulatorServer.StartAsync(port, ironic);
Console.WriteLine($"Ironic emulator listening on {server.Url}");
// SIGTERM and Ctrl-C stop the web host; the server is then disposed and the process exits 0.
await server.WaitForShutdownAsync();
