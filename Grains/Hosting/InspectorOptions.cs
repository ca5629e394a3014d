using Inspector.Grains.Configuration;
using Inspector.Grains.Processing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Inspector.Grains.Hosting;

public static class InspectorOptions
{
    /// <summary>
    /// Reads and checks every options section now, so a bad value stops start-up with a message
    /// naming the option instead of failing on the first request that needs it.
    /// </summary>
    public static IServiceCollection AddInspectorOptions(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSingleton(Options.Create(OptionsLoader.Load<DefaultOptions>(configuration)));
        services.AddSingleton(Options.Create(OptionsLoader.Load<IronicOptions>(configuration)));
        var processing = OptionsLoader.Load<ProcessingOptions>(configuration);
        ProcessingPipeline.ValidatedHookNames(processing);
        services.AddSingleton(Options.Create(processing));
        services.AddSingleton(Options.Create(OptionsLoader.Load<OrleansOptions>(configuration)));
        services.AddSingleton(Options.Create(OptionsLoader.Load<CapabilitiesOptions>(configuration)));
        services.AddSingleton(Options.Create(OptionsLoader.Load<PciDevicesOptions>(configuration)));
        services.AddSingleton(Options.Create(OptionsLoader.Load<DiscoveryOptions>(configuration)));
        services.AddSingleton(Options.Create(OptionsLoader.Load<ExtraHardwareOptions>(configuration)));
        services.AddSingleton(Options.Create(OptionsLoader.Load<PortPhysnetOptions>(configuration)));
        services.AddSingleton(Options.Create(OptionsLoader.Load<AcceleratorsOptions>(configuration)));
        services.AddSingleton(Options.Create(OptionsLoader.Load<PxeFilterOptions>(configuration)));
        services.AddSingleton(Options.Create(OptionsLoader.Load<DnsmasqPxeFilterOptions>(configuration)));
        services.AddSingleton(Options.Create(OptionsLoader.Load<IptablesOptions>(configuration)));
        var database = OptionsLoader.Load<DatabaseOptions>(configuration);
        DatabaseConnection.Parse(database.Connection);
        services.AddSingleton(Options.Create(database));
        return services;
    }
}
