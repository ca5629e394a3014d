namespace Inspector.Bench.Measuring;

/// <summary>
/// A live status line on stderr while a phase runs: rewritten in place on a terminal, one line
/// every few seconds otherwise (CI logs).
/// </summary>
public sealed class ProgressLine : IAsyncDisposable
{
    private readonly Func<string> _describe;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private readonly bool _terminal = !Console.IsErrorRedirected;
    private readonly DateTime _started = DateTime.UtcNow;

    public ProgressLine(string phase, Func<string> describe)
    {
        _describe = () => $"[{phase} {(DateTime.UtcNow - _started).TotalSeconds,6:F1}s] {describe()}";
        _loop = LoopAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _loop;
        Write(_describe());
        if (_terminal)
        {
            Console.Error.WriteLine();
        }

        _stop.Dispose();
    }

    private async Task LoopAsync()
    {
        var interval = _terminal ? TimeSpan.FromMilliseconds(250) : TimeSpan.FromSeconds(5);
        try
        {
            while (true)
            {
                await Task.Delay(interval, _stop.Token);
                Write(_describe());
            }
        }
        catch (OperationCanceledException)
        {
            // finished
        }
    }

    private void Write(string line)
    {
        if (_terminal)
        {
            Console.Error.Write("\r" + line + "\u001b[K"); // ESC [K clears the rest of the old line
        }
        else
        {
            Console.Error.WriteLine(line);
        }
    }
}
