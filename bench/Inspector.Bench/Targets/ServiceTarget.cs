namespace Inspector.Bench.Targets;

/// <summary>
/// An ironic-inspector-compatible service under measurement: where it answers and which process
/// (with its children) to sample for CPU time and peak memory. Disposing stops it if the bench started it.
/// </summary>
public abstract class ServiceTarget : IAsyncDisposable
{
    public abstract string Name { get; }

    /// <summary>e.g. <c>http://127.0.0.1:5050</c>.</summary>
    public abstract Uri Url { get; }

    public abstract int Pid { get; }

    public virtual ValueTask DisposeAsync()
    {
        GC.SuppressFinalize(this);
        return ValueTask.CompletedTask;
    }

    /// <summary>Waits until <c>GET /</c> answers 200.</summary>
    protected static async Task WaitUntilServingAsync(Uri url, TimeSpan within, Func<bool> exited)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var deadline = DateTime.UtcNow + within;
        while (DateTime.UtcNow < deadline)
        {
            if (exited())
            {
                throw new InvalidOperationException($"The service exited before it answered on {url}");
            }

            try
            {
                using var response = await http.GetAsync(url);
                if (response.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // not listening yet
            }
            catch (TaskCanceledException)
            {
                // busy starting
            }

            await Task.Delay(200);
        }

        throw new TimeoutException($"The service did not answer on {url} within {within}");
    }
}

/// <summary>A service somebody else started: <c>--url URL --pid PID</c>.</summary>
public sealed class ExternalTarget(Uri url, int pid) : ServiceTarget
{
    public override string Name => "external";

    public override Uri Url => url;

    public override int Pid => pid;
}
