using System.Diagnostics;
using Microsoft.Extensions.Logging;

namespace Inspector.Grains.PxeFilter;

/// <summary>Runs an operator-configured command line (e.g. <c>dnsmasq_start_command</c>).</summary>
internal static class ShellCommand
{
    public static async Task RunAsync(string commandLine, ILogger logger, CancellationToken ct, string? standardInput = null)
    {
        if (string.IsNullOrWhiteSpace(commandLine))
        {
            return;
        }

        using var process = Process.Start(new ProcessStartInfo("/bin/sh", ["-c", commandLine])
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            RedirectStandardInput = standardInput is not null,
        }) ?? throw new InvalidOperationException($"Cannot run {commandLine}");
        if (standardInput is not null)
        {
            await process.StandardInput.WriteAsync(standardInput);
            process.StandardInput.Close();
        }

        var errors = process.StandardError.ReadToEndAsync(ct);
        await process.StandardOutput.ReadToEndAsync(ct);
        await process.WaitForExitAsync(ct);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"'{commandLine}' failed with exit code {process.ExitCode}: {(await errors).Trim()}");
        }

        logger.LogDebug("Ran {Command}", commandLine);
    }
}
