using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace Inspector.Tests.Integration;

/// <summary>Runs <c>tests/ironic/ironic-server.sh</c> and checks the real Ironic's answers.</summary>
public static class IronicServerScript
{
    public static string ScriptPath { get; } = System.IO.Path.Combine(RepositoryRoot(), "tests", "ironic", "ironic-server.sh");

    /// <summary>Runs the script (<c>start DIR PORT [INSPECTOR_URL]</c> or <c>stop DIR</c>); fails with its output.</summary>
    public static async Task RunScriptAsync(params string[] arguments)
    {
        var start = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(ScriptPath);
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"ironic-server.sh {string.Join(' ', arguments)} did not finish within 3 minutes");
        }

        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException(
                $"ironic-server.sh {string.Join(' ', arguments)} failed with exit code {process.ExitCode}:\n{await stdout}\n{await stderr}");
        }
    }

    public static async Task<JsonObject> ReadAsync(HttpResponseMessage response, HttpStatusCode expected)
    {
        using (response)
        {
            await ExpectAsync(response, expected);
            return (await response.Content.ReadFromJsonAsync<JsonObject>())!;
        }
    }

    public static async Task ExpectAsync(HttpResponseMessage response, HttpStatusCode expected)
    {
        if (response.StatusCode != expected)
        {
            throw new InvalidOperationException(
                $"Ironic answered {(int)response.StatusCode} to {response.RequestMessage?.Method} " +
                $"{response.RequestMessage?.RequestUri}, expected {(int)expected}: {await response.Content.ReadAsStringAsync()}");
        }
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(System.IO.Path.Combine(dir.FullName, "Inspector.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"No Inspector.sln above {AppContext.BaseDirectory}");
    }
}
