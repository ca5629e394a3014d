using Microsoft.Extensions.Configuration;

namespace Inspector.Grains.Configuration;

public static class ConfigurationBuilderExtensions
{
    /// <summary>
    /// Adds every <c>--config-file FILE</c> (or <c>--config-file=FILE</c>) of the command line as an
    /// INI source read with oslo.config's rules, in order, so later files override earlier ones as with oslo.config.
    /// Environment variables still win over the files (e.g. <c>DEFAULT__listen_port=5051</c>).
    /// </summary>
    public static IConfigurationBuilder AddInspectorConfigFiles(this IConfigurationBuilder builder, string[] args)
    {
        foreach (var file in ConfigFiles(args))
        {
            if (!File.Exists(file))
            {
                throw new InvalidConfigurationException($"Configuration file {file} does not exist");
            }

            try
            {
                // A ConfigurationManager (the hosts' builder) reads the file here; a plain builder on Build().
                builder.AddOsloIniFile(file);
            }
            catch (InvalidDataException e)
            {
                throw new InvalidConfigurationException(
                    $"Configuration file {file} cannot be read: {e.InnerException?.Message ?? e.Message}");
            }
        }

        builder.AddEnvironmentVariables();
        return builder;
    }

    /// <summary>An INI file read as oslo.config reads it (<see cref="OsloIniConfigurationSource"/>).</summary>
    public static IConfigurationBuilder AddOsloIniFile(this IConfigurationBuilder builder, string file) =>
        builder.Add<OsloIniConfigurationSource>(source =>
        {
            source.Path = Path.GetFullPath(file);
            source.Optional = false;
            source.ReloadOnChange = false;
            source.ResolveFileProvider();
        });

    public static IEnumerable<string> ConfigFiles(string[] args)
    {
        for (var i = 0; i < args.Length; i++)
        {
            if (args[i] == "--config-file")
            {
                if (i + 1 >= args.Length)
                {
                    throw new InvalidConfigurationException("--config-file needs a file name");
                }

                yield return args[++i];
            }
            else if (args[i].StartsWith("--config-file=", StringComparison.Ordinal))
            {
                yield return args[i]["--config-file=".Length..];
            }
        }
    }

    /// <summary>The command line without the options that <see cref="AddInspectorConfigFiles"/> consumed.</summary>
    public static string[] WithoutConfigFiles(string[] args)
    {
        var rest = new List<string>();
        for (var i = 0; i < args.Length; i++)
        {
            if (args[i] == "--config-file")
            {
                i++;
            }
            else if (!args[i].StartsWith("--config-file=", StringComparison.Ordinal))
            {
                rest.Add(args[i]);
            }
        }

        return [.. rest];
    }
}
