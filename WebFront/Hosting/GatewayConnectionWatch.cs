using Orleans.Runtime;

namespace Inspector.WebFront.Hosting;

/// <summary>
/// For a web front that is a pure Orleans client. A grain call whose request already went out on
/// a gateway connection that then closes (the silo died) never gets an answer: Orleans drops it
/// with the connection and only gives up after the response timeout, minutes later
/// (<see cref="Inspector.Grains.Hosting.InspectorSilo.ResponseTimeout"/>). This watch fails every
/// call in flight as soon as a gateway connection closes, with <see cref="SiloUnavailableException"/>,
/// which the API answers with 503 and Retry-After. Calls made afterwards go through Orleans as
/// usual: they reconnect, or fail at once when no gateway answers.
/// </summary>
internal sealed class GatewayConnectionWatch : IClusterConnectionStatusObserver, IOutgoingGrainCallFilter
{
    private CancellationTokenSource _connectionLost = new();

    public void NotifyClusterConnectionLost() => Trip();

    public void NotifyGatewayCountChanged(int currentNumberOfGateways, int previousNumberOfGateways, bool connectionRecovered)
    {
        if (currentNumberOfGateways < previousNumberOfGateways)
        {
            Trip();
        }
    }

    public async Task Invoke(IOutgoingGrainCallContext context)
    {
        var lost = Volatile.Read(ref _connectionLost).Token;
        try
        {
            await context.Invoke().WaitAsync(lost);
        }
        catch (OperationCanceledException) when (lost.IsCancellationRequested)
        {
            throw new SiloUnavailableException(
                $"Lost the connection to the cluster during {context.InterfaceName}.{context.MethodName}");
        }
    }

    /// <summary>Fails the calls in flight; later calls watch a fresh token.</summary>
    private void Trip()
    {
        // Not disposed: a call may still be reading the old token, which holds no timer.
        var previous = Interlocked.Exchange(ref _connectionLost, new CancellationTokenSource());
        previous.Cancel();
    }
}
