using Inspector.Grains.Configuration;
using Inspector.Grains.Hosting;
using Inspector.Grains.Storage.Postgres;
using Inspector.WebFront.Hosting;

try
{
    if (UpgradeDbCommand.IsRequested(args))
    {
        return await UpgradeDbCommand.RunAsync(args, Console.Out);
    }

    var app = InspectorWebApp.Create(args);
    await app.RunAsync();
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
