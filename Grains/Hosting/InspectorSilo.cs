using System.Net;
using Inspector.Grains.Configuration;
using Inspector.Grains.Housekeeping;
using Inspector.Grains.Ironic;
using Inspector.Grains.Nodes;
using Inspector.Grains.Processing;
using Inspector.Grains.PxeFilter;
using Inspector.Grains.Rules;
using Inspector.Grains.Storage;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using Orleans.Runtime.Hosting;

namespace Inspector.Grains.Hosting;

public static class InspectorSilo
{
    /// <summary>How long a grain call may take: starting a node may wait out Ironic's retries.</summary>
    public static readonly TimeSpan ResponseTimeout = TimeSpan.FromMinutes(3);

    /// <summary>Configures a silo hosting the node grains, for the Silo host and the web front's embedded silo.</summary>
    public static ISiloBuilder AddInspectorSilo(this ISiloBuilder silo, IConfiguration configuration)
    {
        var orleans = OptionsLoader.Load<OrleansOptions>(configuration);
        var database = DatabaseServices.Connection(configuration);
        if (database.IsPostgres)
        {
            // A cluster: every silo on this database finds the others in its membership table.
            silo.UseAdoNetClustering(o =>
            {
                o.Invariant = OrleansClustering.Invariant;
                o.ConnectionString = database.Target;
            });
            silo.Configure<ClusterOptions>(o =>
            {
                o.ClusterId = orleans.ClusterId;
                o.ServiceId = orleans.ServiceId;
            });
            silo.Configure<EndpointOptions>(o =>
            {
                o.AdvertisedIPAddress = OrleansClustering.AdvertisedAddress(orleans);
                o.SiloPort = orleans.SiloPort;
                o.GatewayPort = orleans.GatewayPort;
            });
            silo.Configure<ClusterMembershipOptions>(o => OrleansClustering.Configure(o, orleans));
        }
        else
        {
            silo.UseLocalhostClustering(orleans.SiloPort, orleans.GatewayPort, serviceId: orleans.ServiceId, clusterId: orleans.ClusterId);
        }

        return silo.AddInspectorServices(configuration);
    }

    /// <summary>
    /// Everything <see cref="AddInspectorSilo"/> configures but clustering: options, the Ironic
    /// client, the node store and grain storage, housekeeping. For hosts that bring their own
    /// clustering, such as Orleans test clusters.
    /// </summary>
    public static ISiloBuilder AddInspectorServices(this ISiloBuilder silo, IConfiguration configuration)
    {
        silo.Configure<SiloMessagingOptions>(o => o.ResponseTimeout = ResponseTimeout);

        var services = silo.Services;
        services.AddInspectorOptions(configuration);
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<RebootPacer>();
        services.AddSingleton(sp => new IronicClient(
            new HttpClient(new SocketsHttpHandler
            {
                PooledConnectionLifetime = TimeSpan.FromMinutes(5),
                MaxConnectionsPerServer = 256,
                AutomaticDecompression = DecompressionMethods.All,
            }),
            sp.GetRequiredService<IOptions<IronicOptions>>(),
            sp.GetRequiredService<ILogger<IronicClient>>()));

        services.AddInspectorStores(configuration);
        services.AddSingleton<RulesCache>();
        services.AddSingleton<ProcessingPipeline>();
        services.AddSingleton<RamdiskLogs>();
        services.AddHostedService<StartupChecks>();
        services.AddHostedService<PxeFilterKeeper>();
        services.AddGrainStorage(NodeGrainStorage.Name, (sp, _) => new NodeGrainStorage(sp.GetRequiredService<INodeStore>()));
        services.AddSingleton<HousekeepingService>();
        services.AddHostedService(sp => sp.GetRequiredService<HousekeepingService>());
        return silo;
    }
}
