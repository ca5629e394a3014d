using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Http.Headers;
using Inspector.FleetEmulator.Hardware;

namespace Inspector.FleetEmulator.Ramdisk;

/// <summary>
/// The ramdisks of a <see cref="Fleet"/>: when Ironic is asked to reboot (or power on) a node,
/// or on command, the node's ironic-python-agent inventory is posted to the inspector's
/// <c>/v1/continue</c>, retried with exponential backoff on 5xx, 409 and connection errors as
/// the agent does. Works with any ironic-inspector-compatible service.
/// </summary>
public sealed class RamdiskFleet : IDisposable
{
    private static readonly MediaTypeHeaderValue Json = new("application/json");

    private readonly Fleet _fleet;
    private readonly HttpClient _http;
    private readonly SemaphoreSlim _posts;
    private readonly ConcurrentQueue<CallbackOutcome> _outcomes = new();
    private int _succeeded;
    private int _failed;
    private int _retries;
    private int _inFlight;
    private int _ignoredBoots;

    public RamdiskFleet(Fleet fleet, RamdiskOptions options)
    {
        _fleet = fleet;
        Options = options;
        _posts = new SemaphoreSlim(options.MaxConcurrentPosts);
        _http = new HttpClient(new SocketsHttpHandler
        {
            MaxConnectionsPerServer = options.MaxConcurrentPosts,
            PooledConnectionIdleTimeout = TimeSpan.FromMinutes(1),
            UseProxy = false,
        })
        { Timeout = options.RequestTimeout };
        fleet.Ironic.PowerRequested += OnPowerRequested;
    }

    /// <summary>Replaced as a whole, e.g. once the inspector's URL is known.</summary>
    public RamdiskOptions Options { get; set; }

    /// <summary>Every finished boot, in the order they finished.</summary>
    public IEnumerable<CallbackOutcome> Outcomes => _outcomes;

    public int Succeeded => Volatile.Read(ref _succeeded);

    public int Failed => Volatile.Read(ref _failed);

    /// <summary>Posts repeated after a 5xx, 409 or connection error.</summary>
    public int Retries => Volatile.Read(ref _retries);

    public int InFlight => Volatile.Read(ref _inFlight);

    /// <summary>Power requests for nodes not of this fleet, or while no inspector URL is set.</summary>
    public int IgnoredBoots => Volatile.Read(ref _ignoredBoots);

    /// <summary>Raised when a boot ended (success or given up); must not block.</summary>
    public event Action<CallbackOutcome>? Finished;

    /// <summary>Forgets outcomes and counters, e.g. between benchmark phases.</summary>
    public void Reset()
    {
        _outcomes.Clear();
        Interlocked.Exchange(ref _succeeded, 0);
        Interlocked.Exchange(ref _failed, 0);
        Interlocked.Exchange(ref _retries, 0);
        Interlocked.Exchange(ref _ignoredBoots, 0);
    }

    /// <summary>Boots the node's ramdisk now (no boot delay) and posts its data.</summary>
    public Task<CallbackOutcome> BootAsync(NodeHardware node, CancellationToken ct = default) =>
        PostAsync(node, Options, TimeSpan.Zero, ct);

    public void Dispose()
    {
        _fleet.Ironic.PowerRequested -= OnPowerRequested;
        _http.Dispose();
        _posts.Dispose();
    }

    private void OnPowerRequested(string uuid, string target)
    {
        var options = Options;
        if (!options.BootOnPower || target is not ("rebooting" or "power on" or "soft rebooting"))
        {
            return;
        }

        if (options.InspectorUrl is null || _fleet.Find(uuid) is not { } node)
        {
            Interlocked.Increment(ref _ignoredBoots);
            return;
        }

        // Off the emulated Ironic's request thread: Ironic answers the power call at once.
        ThreadPool.UnsafeQueueUserWorkItem(_ => _ = PostAsync(node, options, options.BootDelay, CancellationToken.None), null);
    }

    private async Task<CallbackOutcome> PostAsync(NodeHardware node, RamdiskOptions options, TimeSpan bootDelay, CancellationToken ct)
    {
        if (bootDelay > TimeSpan.Zero)
        {
            await Task.Delay(bootDelay, ct);
        }

        var url = new Uri(options.InspectorUrl ?? throw new InvalidOperationException("No inspector URL is set"), "/v1/continue");
        var body = InventoryWriter.Write(node);
        var started = Stopwatch.GetTimestamp();
        var delay = options.FirstRetryDelay;
        CallbackOutcome? outcome = null;
        Interlocked.Increment(ref _inFlight);
        try
        {
            for (var attempt = 1; outcome is null; attempt++)
            {
                var (status, latency, error) = await PostOnceAsync(url, body, ct);
                var retriable = status is 0 or 409 or >= 500;
                if (!retriable || attempt >= options.MaxAttempts)
                {
                    outcome = new CallbackOutcome(node.Uuid, status, attempt, latency, Stopwatch.GetElapsedTime(started), error);
                    break;
                }

                Interlocked.Increment(ref _retries);
                await Task.Delay(delay, ct);
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, options.MaxRetryDelay.Ticks));
            }
        }
        finally
        {
            Interlocked.Decrement(ref _inFlight);
        }

        Interlocked.Increment(ref outcome.Succeeded ? ref _succeeded : ref _failed);
        _outcomes.Enqueue(outcome);
        Finished?.Invoke(outcome);
        return outcome;
    }

    private async Task<(int Status, TimeSpan Latency, string? Error)> PostOnceAsync(Uri url, byte[] body, CancellationToken ct)
    {
        await _posts.WaitAsync(ct);
        var started = Stopwatch.GetTimestamp();
        try
        {
            using var content = new ByteArrayContent(body);
            content.Headers.ContentType = Json;
            using var response = await _http.PostAsync(url, content, ct);
            var status = (int)response.StatusCode;
            var error = status == 200 ? null : await response.Content.ReadAsStringAsync(ct);
            return (status, Stopwatch.GetElapsedTime(started), error);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !ct.IsCancellationRequested)
        {
            return (0, Stopwatch.GetElapsedTime(started), e.Message);
        }
        finally
        {
            _posts.Release();
        }
    }
}
