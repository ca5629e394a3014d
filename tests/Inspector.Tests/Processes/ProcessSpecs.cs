namespace Inspector.Tests.Processes;

/// <summary>Clean-up shared by the specs that run hosts as separate processes.</summary>
public static class ProcessSpecs
{
    /// <summary>
    /// Stops the hosts that still run and deletes the test's directory; after a failed test the
    /// directory (configuration, logs, database) is kept and the logs go to the test output.
    /// </summary>
    public static async Task CleanUpAsync(string directory, params HostProcess?[] hosts)
    {
        foreach (var host in hosts)
        {
            if (host is not null)
            {
                await host.DisposeAsync();
            }
        }

        if (directory == "" || !Directory.Exists(directory))
        {
            return;
        }

        if (TestContext.Current.TestState?.Result == TestResult.Failed)
        {
            var output = TestContext.Current.TestOutputHelper;
            output?.WriteLine($"Kept {directory}");
            foreach (var host in hosts)
            {
                if (host is not null && File.Exists(host.LogFile))
                {
                    output?.WriteLine($"----- {host.LogFile}");
                    output?.WriteLine(host.LogTail(200));
                }
            }

            return;
        }

        Directory.Delete(directory, recursive: true);
    }
}
