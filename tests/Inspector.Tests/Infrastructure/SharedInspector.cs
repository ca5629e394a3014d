namespace Inspector.Tests.Infrastructure;

/// <summary>One inspector with default settings shared by the tests of a class.</summary>
public sealed class SharedInspector : IAsyncLifetime
{
    private InspectorHost? _host;

    public InspectorHost Host => _host ?? throw new InvalidOperationException("Not started");

    public async ValueTask InitializeAsync() => _host = await InspectorHost.StartAsync();

    public async ValueTask DisposeAsync()
    {
        if (_host is not null)
        {
            await _host.DisposeAsync();
        }
    }
}
