using Inspector.Grains.Configuration;
using Inspector.Grains.Hosting;
using Inspector.Grains.Storage.Postgres;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

// A silo alone: hosts node grains for web fronts that run as Orleans clients ([orleans] gateways
// in their configuration, or the PostgreSQL membership table with [orleans] embedded_silo = false).
try
{
    if (UpgradeDbCommand.IsRequested(args))
    {
        return await UpgradeDbCommand.RunAsync(args, Console.Out);
    }

    var builder = Host.CreateApplicationBuilder(ConfigurationBuilderExtensions.WithoutConfigFiles(args));
    builder.Configuration.AddInspectorConfigFiles(args);
    // Before the silo: the schema (and a clear error when the database is unreachable) comes first.
    builder.Services.AddInspectorDatabase(builder.Configuration);
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
catch (Exception e) when (DatabaseUnavailableException.Find(e) is { } database)
{
    await Console.Error.WriteLineAsync($"Database error: {database.Message}");
    return 3;
}
