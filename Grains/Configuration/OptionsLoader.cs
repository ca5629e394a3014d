using System.Globalization;
using System.Reflection;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Configuration.Ini;
using Microsoft.Extensions.Logging;

namespace Inspector.Grains.Configuration;

/// <summary>
/// Reads option classes from configuration by their ironic-inspector names, with the parsing
/// rules of oslo.config (booleans, comma-separated lists) and a message naming the option when a
/// value is unusable.
/// </summary>
public static class OptionsLoader
{
    /// <summary>Every options class this service reads; used to spot unknown options.</summary>
    public static IReadOnlyList<Type> KnownSections { get; } =
    [
        typeof(DefaultOptions), typeof(DatabaseOptions), typeof(IronicOptions),
        typeof(ProcessingOptions), typeof(OrleansOptions), typeof(CapabilitiesOptions), typeof(PciDevicesOptions),
        typeof(DiscoveryOptions), typeof(ExtraHardwareOptions), typeof(PortPhysnetOptions), typeof(AcceleratorsOptions),
        typeof(PxeFilterOptions), typeof(DnsmasqPxeFilterOptions), typeof(IptablesOptions),
    ];

    public static string SectionName(Type optionsType) =>
        optionsType.GetCustomAttribute<SectionAttribute>()?.Name
        ?? throw new InvalidOperationException($"{optionsType.Name} has no [Section]");

    public static T Load<T>(IConfiguration configuration) where T : new()
    {
        var section = SectionName(typeof(T));
        var options = new T();
        foreach (var (property, option) in OptionsOf(typeof(T)))
        {
            var key = $"{section}:{option.Name}";
            var raw = configuration[key];
            if (raw is null)
            {
                continue;
            }

            property.SetValue(options, option.Multi
                ? AllValues(configuration, key, raw)
                : Parse(section, option, property.PropertyType, raw));
        }

        return options;
    }

    /// <summary>
    /// A repeated option's values: those of every file in order, or only the value that a later
    /// source (an environment variable) put in their place.
    /// </summary>
    private static IReadOnlyList<string> AllValues(IConfiguration configuration, string key, string value)
    {
        var values = (configuration as IConfigurationRoot)?.Providers.OfType<OsloIniConfigurationProvider>()
            .SelectMany(p => p.Occurrences.GetValueOrDefault(key) ?? []).ToList() ?? [];
        return values.Count > 0 && values[^1] == value ? values : [value];
    }

    /// <summary>Options in the INI files that this service does not know: warned about, then ignored.</summary>
    public static IEnumerable<string> UnknownIniOptions(IConfiguration configuration)
    {
        if (configuration is not IConfigurationRoot root)
        {
            yield break;
        }

        var known = KnownSections.ToDictionary(
            SectionName,
            t => OptionsOf(t).Select(o => o.Option.Name).ToHashSet(StringComparer.OrdinalIgnoreCase),
            StringComparer.OrdinalIgnoreCase);

        foreach (var provider in root.Providers.OfType<IniConfigurationProvider>())
        {
            foreach (var section in provider.GetChildKeys([], null).Distinct(StringComparer.OrdinalIgnoreCase))
            {
                foreach (var key in provider.GetChildKeys([], section).Distinct(StringComparer.OrdinalIgnoreCase))
                {
                    if (!known.TryGetValue(section, out var names) || !names.Contains(key))
                    {
                        yield return $"[{section}] {key}";
                    }
                }
            }
        }
    }

    public static void WarnAboutUnknownOptions(IConfiguration configuration, ILogger logger)
    {
        foreach (var option in UnknownIniOptions(configuration))
        {
            logger.LogWarning("Ignoring unknown configuration option {Option}", option);
        }
    }

    private static IEnumerable<(PropertyInfo Property, OptionAttribute Option)> OptionsOf(Type type) =>
        type.GetProperties()
            .Select(p => (Property: p, Option: p.GetCustomAttribute<OptionAttribute>()))
            .Where(p => p.Option is not null)
            .Select(p => (p.Property, p.Option!));

    private static object Parse(string section, OptionAttribute option, Type type, string raw)
    {
        var value = raw.Trim();
        InvalidConfigurationException Fail(string expected) =>
            new($"Invalid value '{raw}' for option [{section}] {option.Name}: {expected}");

        if (type == typeof(string))
        {
            CheckChoice(value);
            return value;
        }

        if (type == typeof(bool))
        {
            return OsloBool.TryParse(value, out var flag) ? flag : throw Fail("expected a boolean (true or false)");
        }

        if (type == typeof(int))
        {
            if (!int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var number))
            {
                throw Fail("expected an integer");
            }

            CheckRange(number);
            return number;
        }

        if (type == typeof(double))
        {
            if (!double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var number)
                || !double.IsFinite(number))
            {
                throw Fail("expected a number");
            }

            CheckRange(number);
            return number;
        }

        if (type == typeof(IReadOnlyList<string>))
        {
            var items = value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
            foreach (var item in items)
            {
                CheckChoice(item);
            }

            return items;
        }

        if (type == typeof(IReadOnlyDictionary<string, string>))
        {
            // oslo's DictOpt: key:value pairs separated by commas.
            var pairs = new Dictionary<string, string>();
            foreach (var item in value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
            {
                var colon = item.IndexOf(':', StringComparison.Ordinal);
                if (colon <= 0)
                {
                    throw Fail("expected key:value pairs separated by commas");
                }

                pairs[item[..colon].Trim()] = item[(colon + 1)..].Trim();
            }

            return pairs;
        }

        throw new InvalidOperationException($"Unsupported option type {type} for [{section}] {option.Name}");

        void CheckRange(double number)
        {
            if (number < option.Min)
            {
                throw Fail($"must be at least {option.Min.ToString(CultureInfo.InvariantCulture)}");
            }

            if (number > option.Max)
            {
                throw Fail($"must be at most {option.Max.ToString(CultureInfo.InvariantCulture)}");
            }
        }

        void CheckChoice(string item)
        {
            if (option.Choices is { } choices && !choices.Contains(item))
            {
                throw Fail($"expected one of {string.Join(", ", choices)}");
            }
        }
    }
}
