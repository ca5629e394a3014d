using Inspector.Grains.Configuration;
using Inspector.Grains.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

// A silo alone: hosts node grains for web fronts that run as Orleans clients
// ([orleans] gateways = host:port in their configuration).
try
{
    var builder = Host.CreateApplicationBuilder(ConfigurationBuilderExtensions.WithoutConfigFiles(args));
    builder.Configuration.AddInspectorConfigFiles(args);
    builder.UseOrleans(silo => silo.AddInspectorSilo(builder.Configuration));
    var shutdownTimeout = OptionsLoader.Load<DefaultOptions>(builder.Configuration).ShutdownTimeout;
    builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = shutdownTimeout);
    using var host = builder.Build();
    OptionsLoader.WarnAboutUnknownOptions(builder.Configuration, host.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Inspector.Configuration"));
    await host.RunAsync();
    return 0;
}
catch (InvalidConfigurationException e)
{
    await Console.Error.WriteLineAsync($"Configuration error: {e.Message}");
    return 2;
}
