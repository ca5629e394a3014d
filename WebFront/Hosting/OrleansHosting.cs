using System.Net;
using Inspector.Grains.Configuration;
using Inspector.Grains.Hosting;
using Orleans.Configuration;

namespace Inspector.WebFront.Hosting;

public static class OrleansHosting
{
    /// <summary>
    /// Without <c>[orleans] gateways</c> the web front hosts the silo in its own process (the
    /// single-process default); with them it is a pure Orleans client of those silos.
    /// </summary>
    public static WebApplicationBuilder AddInspectorOrleans(this WebApplicationBuilder builder)
    {
        var configuration = builder.Configuration;
        var orleans = OptionsLoader.Load<OrleansOptions>(configuration);
        if (orleans.Gateways.Count == 0)
        {
            builder.UseOrleans(silo => silo.AddInspectorSilo(configuration));
            return builder;
        }

        var gateways = orleans.Gateways.Select(ParseGateway).ToList();
        builder.Services.AddInspectorOptions(configuration);
        builder.Services.AddSingleton<GatewayConnectionWatch>();
        builder.Services.AddSingleton<IClusterConnectionStatusObserver>(sp => sp.GetRequiredService<GatewayConnectionWatch>());
        builder.Services.AddSingleton<IOutgoingGrainCallFilter>(sp => sp.GetRequiredService<GatewayConnectionWatch>());
        builder.UseOrleansClient(client =>
        {
            client.UseStaticClustering(gateways.ToArray());
            client.Configure<ClusterOptions>(o =>
            {
                o.ClusterId = orleans.ClusterId;
                o.ServiceId = orleans.ServiceId;
            });
            client.Configure<ClientMessagingOptions>(o => o.ResponseTimeout = InspectorSilo.ResponseTimeout);
        });
        return builder;
    }

    private static IPEndPoint ParseGateway(string value) =>
        IPEndPoint.TryParse(value, out var endpoint) && endpoint.Port != 0
            ? endpoint
            : throw new InvalidConfigurationException(
                $"Invalid value '{value}' for option [orleans] gateways: expected address:port");
}
