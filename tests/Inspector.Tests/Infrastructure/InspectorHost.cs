using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Inspector.Grains.Interfaces.Nodes;
using Inspector.IronicEmulator;
using Inspector.WebFront.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace Inspector.Tests.Infrastructure;

/// <summary>
/// A complete inspector (web front with its embedded silo and SQLite database) running in this
/// process on loopback, configured through a real INI file, in front of an emulated Ironic.
/// </summary>
public sealed class InspectorHost : IAsyncDisposable
{
    private readonly WebApplication _app;
    private bool _stopped;

    private InspectorHost(WebApplication app, IronicEmulatorServer ironicServer, string directory, string url)
    {
        _app = app;
        IronicServer = ironicServer;
        Directory = directory;
        Url = url;
        Client = new HttpClient { BaseAddress = new Uri(url) };
    }

    public IronicEmulatorServer IronicServer { get; }

    public EmulatedIronic Ironic => IronicServer.Ironic;

    public string Directory { get; }

    public string Url { get; }

    public HttpClient Client { get; }

    public IServiceProvider Services => _app.Services;

    public IGrainFactory Grains => _app.Services.GetRequiredService<IGrainFactory>();

    /// <summary>
    /// Starts a host. <paramref name="ini"/> adds or overrides INI lines per section, e.g.
    /// <c>["DEFAULT"] = "timeout = 5"</c>. Introspection delay is 0 unless set.
    /// </summary>
    public static async Task<InspectorHost> StartAsync(
        IDictionary<string, string>? ini = null, IronicEmulatorServer? ironicServer = null, string? directory = null)
    {
        ironicServer ??= await IronicEmulatorServer.StartAsync();
        directory ??= System.IO.Directory.CreateTempSubdirectory("inspector-test-").FullName;
        var configFile = Path.Combine(directory, "inspector.conf");
        await File.WriteAllTextAsync(configFile, WriteConfig(ironicServer.Url, directory, ini));

        var app = InspectorWebApp.Create(["--config-file", configFile]);
        await app.StartAsync();
        var url = app.Urls.First().Replace("[::]", "127.0.0.1", StringComparison.Ordinal).TrimEnd('/');
        return new InspectorHost(app, ironicServer, directory, url);
    }

    public static string WriteConfig(string ironicUrl, string directory, IDictionary<string, string>? ini)
    {
        var sections = new Dictionary<string, List<string>>
        {
            ["DEFAULT"] = ["listen_address = 127.0.0.1", "listen_port = 0", "introspection_delay = 0", "clean_up_period = 0"],
            ["database"] = [$"connection = sqlite:///{directory}/inspector.sqlite"],
            ["ironic"] = [$"endpoint_override = {ironicUrl}", "max_retries = 2", "retry_interval = 0.05"],
            ["orleans"] = [$"silo_port = {FreePorts.Next()}", $"gateway_port = {FreePorts.Next()}"],
        };
        foreach (var (section, lines) in ini ?? new Dictionary<string, string>())
        {
            if (!sections.TryGetValue(section, out var existing))
            {
                sections[section] = existing = [];
            }

            // Appended after the defaults: as in oslo.config, the last value of an option wins,
            // and an option repeated (a multi-valued one) keeps every value.
            existing.AddRange(lines.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        }

        return string.Join("\n", sections.Select(s => $"[{s.Key}]\n{string.Join("\n", s.Value)}\n"));
    }

    /// <summary>Enrolls a manageable node with one port and a BMC address in the emulated Ironic.</summary>
    public string AddNode(string? name = null, string provisionState = "manageable", string? mac = null, string? bmc = "192.0.2.10")
    {
        var driverInfo = new JsonObject();
        if (bmc is not null)
        {
            driverInfo["ipmi_address"] = bmc;
        }

        mac ??= RandomMac();
        return Ironic.AddNode(name, provisionState, driverInfo, [mac]);
    }

    public static string RandomMac()
    {
        var bytes = new byte[5];
        Random.Shared.NextBytes(bytes);
        return "52:" + string.Join(":", bytes.Select(b => b.ToString("x2", System.Globalization.CultureInfo.InvariantCulture)));
    }

    public Task<HttpResponseMessage> StartIntrospectionAsync(string node, string? query = null) =>
        Client.PostAsync($"/v1/introspection/{node}{query}", null);

    public async Task<JsonObject> StatusAsync(string node)
    {
        var response = await Client.GetAsync($"/v1/introspection/{node}");
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<JsonObject>())!;
    }

    /// <summary>Polls the status until its state is <paramref name="state"/>; fails after the deadline.</summary>
    public async Task<JsonObject> WaitForStateAsync(string node, string state, TimeSpan? within = null)
    {
        var deadline = DateTime.UtcNow + (within ?? TimeSpan.FromSeconds(20));
        while (true)
        {
            var status = await StatusAsync(node);
            if ((string?)status["state"] == state)
            {
                return status;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Node {node} is {status["state"]}, not {state}: {status.ToJsonString()}");
            }

            await Task.Delay(20);
        }
    }

    /// <summary>Stops the inspector but leaves the emulated Ironic running, to start another inspector in front of it.</summary>
    public async ValueTask StopInspectorAsync()
    {
        if (_stopped)
        {
            return;
        }

        _stopped = true;
        Client.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await StopInspectorAsync();
        await IronicServer.DisposeAsync();
    }
}
