using Inspector.Grains.Configuration;
using Inspector.WebFront.Hosting;

try
{
    var app = InspectorWebApp.Create(args);
    await app.RunAsync();
    return 0;
}
catch (InvalidConfigurationException e)
{
    await Console.Error.WriteLineAsync($"Configuration error: {e.Message}");
    return 2;
}
