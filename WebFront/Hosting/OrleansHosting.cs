using System.Net;
using Inspector.Grains.Configuration;
using Inspector.Grains.Hosting;
using Orleans.Configuration;

namespace Inspector.WebFront.Hosting;

public static class OrleansHosting
{
    /// <summary>
    /// Three ways to run: with <c>[orleans] gateways</c> the web front is a pure Orleans client of
    /// those silos; on a PostgreSQL database with <c>embedded_silo = false</c> it is a pure client
    /// that finds the silos' gateways in the membership table; otherwise it hosts a silo in its
    /// own process (the single-process default, or one more silo of a PostgreSQL cluster).
    /// </summary>
    public static WebApplicationBuilder AddInspectorOrleans(this WebApplicationBuilder builder)
    {
        var configuration = builder.Configuration;
        var orleans = OptionsLoader.Load<OrleansOptions>(configuration);
        var database = DatabaseServices.Connection(configuration);
        if (orleans.Gateways.Count == 0 && orleans.EmbeddedSilo)
        {
            // Registered before the silo, so the schema is in place before it reads its queries.
            builder.Services.AddInspectorDatabase(configuration);
            builder.UseOrleans(silo => silo.AddInspectorSilo(configuration));
            return builder;
        }

        if (orleans.Gateways.Count == 0 && !database.IsPostgres)
        {
            throw new InvalidConfigurationException(
                "Invalid value 'false' for option [orleans] embedded_silo: a web front without a silo needs " +
                "[orleans] gateways, or a PostgreSQL [database] connection to find the silos in");
        }

        var gateways = orleans.Gateways.Select(ParseGateway).ToList();
        if (gateways.Count == 0)
        {
            builder.Services.AddInspectorDatabase(configuration);
        }

        builder.Services.AddInspectorOptions(configuration);
        builder.Services.AddSingleton<GatewayConnectionWatch>();
        builder.Services.AddSingleton<IClusterConnectionStatusObserver>(sp => sp.GetRequiredService<GatewayConnectionWatch>());
        builder.Services.AddSingleton<IOutgoingGrainCallFilter>(sp => sp.GetRequiredService<GatewayConnectionWatch>());
        builder.UseOrleansClient(client =>
        {
            if (gateways.Count > 0)
            {
                client.UseStaticClustering(gateways.ToArray());
            }
            else
            {
                client.UseAdoNetClustering(o =>
                {
                    o.Invariant = OrleansClustering.Invariant;
                    o.ConnectionString = database.Target;
                });
                client.Configure<GatewayOptions>(o => o.GatewayListRefreshPeriod = TimeSpan.FromSeconds(orleans.GatewayListRefreshPeriod));
            }

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
