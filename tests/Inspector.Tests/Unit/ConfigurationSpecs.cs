using System.Diagnostics;
using System.Reflection;
using Inspector.Grains.Configuration;
using Inspector.Grains.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Inspector.Tests.Unit;

/// <summary>
/// Options come from ironic-inspector style INI files, read by their reference names with
/// oslo.config's parsing rules; an unusable value stops start-up with a message naming the option.
/// </summary>
public sealed class ConfigurationSpecs : IDisposable
{
    private const string TypicalConfiguration = """
        [DEFAULT]
        listen_address = 127.0.0.1
        listen_port = 6050
        auth_strategy = http_basic
        http_basic_auth_user_file = /etc/inspector/htpasswd
        timeout = 120
        clean_up_period = 7
        api_max_limit = 50
        can_manage_boot = false
        introspection_delay = 0.5
        ipmi_address_fields = redfish_address, ilo_address

        [database]
        connection = sqlite:////var/lib/inspector/inspector.sqlite

        [ironic]
        endpoint_override = http://ironic.example.com:6385
        auth_type = http_basic
        username = inspector
        password = s3cret
        max_retries = 3
        retry_interval = 0.25
        timeout = 15

        [processing]
        permit_active_introspection = true

        [orleans]
        cluster_id = cluster-1
        service_id = service-1
        silo_port = 12111
        gateway_port = 31000
        gateways = 10.0.0.1:30000, 10.0.0.2:30000
        """;

    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("inspector-config-");

    public void Dispose() => _directory.Delete(recursive: true);

    [Fact]
    public void Defaults_are_those_of_the_reference()
    {
        var config = Ini("");
        var defaults = OptionsLoader.Load<DefaultOptions>(config);
        var ironic = OptionsLoader.Load<IronicOptions>(config);

        Assert.Equal("::", defaults.ListenAddress);
        Assert.Equal(5050, defaults.ListenPort);
        Assert.Equal(3600, defaults.Timeout);
        Assert.Equal(60, defaults.CleanUpPeriod);
        Assert.Equal(1000, defaults.ApiMaxLimit);
        Assert.Equal(5, defaults.IntrospectionDelay);
        Assert.True(defaults.CanManageBoot);
        Assert.Equal(["redfish_address", "ilo_address", "drac_host", "drac_address", "ibmc_address"], defaults.IpmiAddressFields);
        Assert.Equal("/etc/ironic-inspector/htpasswd", defaults.HttpBasicAuthUserFile);
        Assert.Equal(30, ironic.MaxRetries);
        Assert.Equal(2, ironic.RetryInterval);
        Assert.False(OptionsLoader.Load<ProcessingOptions>(config).PermitActiveIntrospection);
    }

    [Fact]
    public void The_default_auth_strategy_is_noauth_not_keystone()
    {
        // A deliberate difference: the reference's keystone default needs an identity service.
        Assert.Equal("noauth", OptionsLoader.Load<DefaultOptions>(Ini("")).AuthStrategy);
    }

    [Fact]
    public void A_typical_configuration_file_is_read_option_by_option()
    {
        var config = Ini(TypicalConfiguration);

        var defaults = OptionsLoader.Load<DefaultOptions>(config);
        Assert.Equal("127.0.0.1", defaults.ListenAddress);
        Assert.Equal(6050, defaults.ListenPort);
        Assert.Equal("http_basic", defaults.AuthStrategy);
        Assert.Equal("/etc/inspector/htpasswd", defaults.HttpBasicAuthUserFile);
        Assert.Equal(120, defaults.Timeout);
        Assert.Equal(7, defaults.CleanUpPeriod);
        Assert.Equal(50, defaults.ApiMaxLimit);
        Assert.False(defaults.CanManageBoot);
        Assert.Equal(0.5, defaults.IntrospectionDelay);
        Assert.Equal(["redfish_address", "ilo_address"], defaults.IpmiAddressFields);

        Assert.Equal("sqlite:////var/lib/inspector/inspector.sqlite", OptionsLoader.Load<DatabaseOptions>(config).Connection);

        var ironic = OptionsLoader.Load<IronicOptions>(config);
        Assert.Equal("http://ironic.example.com:6385", ironic.EndpointOverride);
        Assert.Equal("http_basic", ironic.AuthType);
        Assert.Equal("inspector", ironic.Username);
        Assert.Equal("s3cret", ironic.Password);
        Assert.Equal(3, ironic.MaxRetries);
        Assert.Equal(0.25, ironic.RetryInterval);
        Assert.Equal(15, ironic.Timeout);

        Assert.True(OptionsLoader.Load<ProcessingOptions>(config).PermitActiveIntrospection);

        var orleans = OptionsLoader.Load<OrleansOptions>(config);
        Assert.Equal("cluster-1", orleans.ClusterId);
        Assert.Equal("service-1", orleans.ServiceId);
        Assert.Equal(12111, orleans.SiloPort);
        Assert.Equal(31000, orleans.GatewayPort);
        Assert.Equal(["10.0.0.1:30000", "10.0.0.2:30000"], orleans.Gateways);
    }

    /// <summary>Every option of every section this service reads, as "[section] name".</summary>
    public static TheoryData<string, string> AllOptions =>
    [
        .. OptionsLoader.KnownSections.SelectMany(type => OptionProperties(type).Select(
            p => (OptionsLoader.SectionName(type), p.GetCustomAttribute<OptionAttribute>()!.Name))),
    ];

    [Theory]
    [MemberData(nameof(AllOptions))]
    public void Each_option_is_read_from_its_section(string section, string option)
    {
        var (type, property, attribute) = Find(section, option);
        var defaultValue = property.GetValue(Activator.CreateInstance(type));
        var (text, expected) = OtherValidValue(property.PropertyType, attribute, defaultValue);

        var loaded = property.GetValue(Load(type, Ini($"[{section}]\n{option} = {text}\n")));

        Assert.True(SameValue(expected, loaded), $"[{section}] {option} = {text} was read as {Show(loaded)}, not {Show(expected)}");
        Assert.False(SameValue(defaultValue, loaded), $"[{section}] {option} kept its default");
    }

    [Theory]
    [MemberData(nameof(AllOptions))]
    public void Each_option_with_a_type_or_choices_rejects_a_value_it_cannot_use(string section, string option)
    {
        var (type, property, attribute) = Find(section, option);
        if (InvalidValue(property.PropertyType, attribute) is not { } invalid)
        {
            return; // a free-form string: any value is a value
        }

        var error = Assert.Throws<InvalidConfigurationException>(() => Load(type, Ini($"[{section}]\n{option} = {invalid}\n")));

        Assert.Contains($"[{section}] {option}", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Options_of_other_sections_do_not_leak_into_a_section()
    {
        // [ironic] timeout is not [DEFAULT] timeout.
        var config = Ini("[ironic]\ntimeout = 15\n");
        Assert.Equal(3600, OptionsLoader.Load<DefaultOptions>(config).Timeout);
        Assert.Equal(15, OptionsLoader.Load<IronicOptions>(config).Timeout);
    }

    [Theory]
    [InlineData("yes", true)]
    [InlineData("no", false)]
    [InlineData("1", true)]
    [InlineData("0", false)]
    [InlineData("on", true)]
    [InlineData("off", false)]
    [InlineData("True", true)]
    [InlineData("False", false)]
    [InlineData("TRUE", true)]
    [InlineData("t", true)]
    [InlineData("f", false)]
    [InlineData("y", true)]
    [InlineData("n", false)]
    public void Booleans_are_read_as_oslo_reads_them(string text, bool expected)
    {
        var config = Ini($"[DEFAULT]\ncan_manage_boot = {text}\n[processing]\npermit_active_introspection = {text}\n");
        Assert.Equal(expected, OptionsLoader.Load<DefaultOptions>(config).CanManageBoot);
        Assert.Equal(expected, OptionsLoader.Load<ProcessingOptions>(config).PermitActiveIntrospection);
    }

    [Theory]
    [InlineData("drac_host", new[] { "drac_host" })]
    [InlineData("drac_host,ilo_address", new[] { "drac_host", "ilo_address" })]
    [InlineData(" drac_host ,  ilo_address ", new[] { "drac_host", "ilo_address" })]
    [InlineData("", new string[0])]
    public void Lists_are_comma_separated(string text, string[] expected)
    {
        var config = Ini($"[DEFAULT]\nipmi_address_fields = {text}\n");
        Assert.Equal(expected, OptionsLoader.Load<DefaultOptions>(config).IpmiAddressFields);
    }

    [Fact]
    public void Numbers_are_read_whatever_the_culture()
    {
        var config = Ini("[DEFAULT]\nintrospection_delay = 1.5\n[ironic]\nretry_interval = 0.05\n");
        Assert.Equal(1.5, OptionsLoader.Load<DefaultOptions>(config).IntrospectionDelay);
        Assert.Equal(0.05, OptionsLoader.Load<IronicOptions>(config).RetryInterval);
    }

    [Theory]
    [InlineData("DEFAULT", "timeout", "abc")]
    [InlineData("DEFAULT", "timeout", "1.5")]
    [InlineData("DEFAULT", "timeout", "-1")]
    [InlineData("DEFAULT", "timeout", "315576001")]
    [InlineData("DEFAULT", "listen_port", "65536")]
    [InlineData("DEFAULT", "clean_up_period", "-5")]
    [InlineData("DEFAULT", "api_max_limit", "0")]
    [InlineData("DEFAULT", "introspection_delay", "soon")]
    [InlineData("DEFAULT", "introspection_delay", "-1")]
    [InlineData("DEFAULT", "introspection_delay", "NaN")]
    [InlineData("DEFAULT", "auth_strategy", "keystone")]
    [InlineData("DEFAULT", "can_manage_boot", "maybe")]
    [InlineData("DEFAULT", "can_manage_boot", "2")]
    [InlineData("database", "connection", "mysql+pymysql://db/inspector")]
    [InlineData("database", "connection", "postgresql://127.0.0.1/inspector?no_such_parameter=1")]
    [InlineData("database", "connection", "sqlite:///")]
    [InlineData("ironic", "max_retries", "-1")]
    [InlineData("ironic", "retry_interval", "fast")]
    [InlineData("ironic", "auth_type", "password")]
    [InlineData("ironic", "timeout", "0")]
    [InlineData("processing", "permit_active_introspection", "sometimes")]
    [InlineData("orleans", "silo_port", "0")]
    [InlineData("orleans", "gateway_port", "70000")]
    public void Unusable_values_are_rejected_naming_the_option(string section, string option, string value)
    {
        var config = Ini($"[{section}]\n{option} = {value}\n");

        var error = Assert.Throws<InvalidConfigurationException>(() => new ServiceCollection().AddInspectorOptions(config));

        Assert.Contains($"[{section}] {option}", error.Message, StringComparison.Ordinal);
        Assert.Contains(value, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_bad_choice_lists_the_accepted_values()
    {
        var error = Assert.Throws<InvalidConfigurationException>(
            () => OptionsLoader.Load<DefaultOptions>(Ini("[DEFAULT]\nauth_strategy = keystone\n")));
        Assert.Equal(
            "Invalid value 'keystone' for option [DEFAULT] auth_strategy: expected one of noauth, http_basic",
            error.Message);
    }

    [Theory]
    [InlineData("sqlite:///inspector.sqlite", "inspector.sqlite")]
    [InlineData("sqlite:///data/inspector.sqlite", "data/inspector.sqlite")]
    [InlineData("sqlite:////var/lib/inspector/inspector.sqlite", "/var/lib/inspector/inspector.sqlite")]
    public void Database_urls_are_read_as_sqlalchemy_reads_them(string url, string path)
    {
        var connection = DatabaseConnection.Parse(url);
        Assert.Equal(DatabaseConnection.Sqlite, connection.Kind);
        Assert.Equal(path, connection.Target);
    }

    [Fact]
    public void Unknown_options_are_reported()
    {
        var config = Ini("""
            [DEFAULT]
            timeout = 10
            no_such_option = true
            [processing]
            permit_active_introspection = true
            no_such_processing_option = database
            [keystone_authtoken]
            auth_url = http://127.0.0.1:5000
            [ironic]
            max_retries = 3
            """);

        Assert.Equal(
            ["[DEFAULT] no_such_option", "[keystone_authtoken] auth_url", "[processing] no_such_processing_option"],
            OptionsLoader.UnknownIniOptions(config).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Only_options_of_the_ini_files_are_reported_as_unknown()
    {
        var config = new ConfigurationBuilder()
            .AddOsloIniFile(WriteFile("only-known.conf", "[DEFAULT]\ntimeout = 10\n"))
            .AddInMemoryCollection(new Dictionary<string, string?> { ["Logging:LogLevel:Default"] = "Debug" })
            .Build();

        Assert.Empty(OptionsLoader.UnknownIniOptions(config));
    }

    [Fact]
    public void Config_files_are_taken_from_both_forms_of_the_option_in_order()
    {
        string[] args = ["--config-file", "/etc/a.conf", "--urls", "http://127.0.0.1:1", "--config-file=/etc/b.conf"];

        Assert.Equal(["/etc/a.conf", "/etc/b.conf"], ConfigurationBuilderExtensions.ConfigFiles(args));
        Assert.Equal(["--urls", "http://127.0.0.1:1"], ConfigurationBuilderExtensions.WithoutConfigFiles(args));
    }

    [Fact]
    public void A_config_file_option_without_a_file_is_an_error()
    {
        var error = Assert.Throws<InvalidConfigurationException>(
            () => ConfigurationBuilderExtensions.ConfigFiles(["--config-file"]).ToList());
        Assert.Contains("--config-file", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_config_file_is_a_clear_error()
    {
        var missing = Path.Combine(_directory.FullName, "missing.conf");

        var error = Assert.Throws<InvalidConfigurationException>(
            () => new ConfigurationBuilder().AddInspectorConfigFiles(["--config-file", missing]));

        Assert.Equal($"Configuration file {missing} does not exist", error.Message);
    }

    [Theory]
    [InlineData("[DEFAULT]\nthis line is no option\n", "at line 2, No ':' or '=' found in assignment: 'this line is no option'")]
    [InlineData("  timeout = 10\n", "at line 1, Unexpected continuation line: '  timeout = 10'")]
    [InlineData("[DEFAULT\ntimeout = 10\n", "at line 1, Invalid section (must end with ]): '[DEFAULT'")]
    [InlineData("[]\n", "at line 1, Empty section name: '[]'")]
    [InlineData("[DEFAULT]\n= 10\n", "at line 2, Key cannot be empty: '= 10'")]
    [InlineData("timeout = 10\n", "at line 1, Section must be started before assignment")]
    public void A_config_file_that_cannot_be_read_is_a_clear_error(string text, string reason)
    {
        var file = WriteFile("unreadable.conf", text);

        // The hosts' builder (a ConfigurationManager) reads each file as it is added.
        var error = Assert.Throws<InvalidConfigurationException>(
            () => new ConfigurationManager().AddInspectorConfigFiles(["--config-file", file]));

        Assert.StartsWith($"Configuration file {file} cannot be read: ", error.Message, StringComparison.Ordinal);
        Assert.Contains(reason, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_config_file_is_read_with_oslo_config_rules()
    {
        // What oslo.config 9.0 (Debian's, the reference's) reads from the same file.
        var file = WriteFile("oslo.conf", """
            [DEFAULT]
            timeout = 10
            timeout = 20
            # a comment
            ; another comment
            listen_address: 192.0.2.1
            [processing]
            processing_hooks = ramdisk_error,
              scheduler
            store_data = "database"
            ramdisk_logs_dir = '/var/log/ramdisk'
            [processing]
            node_not_found_hook = enroll
            """);

        var config = new ConfigurationManager();
        config.AddInspectorConfigFiles(["--config-file", file]);

        Assert.Equal("20", config["DEFAULT:timeout"]);
        Assert.Equal("192.0.2.1", config["DEFAULT:listen_address"]);
        Assert.Equal("ramdisk_error,\nscheduler", config["processing:processing_hooks"]);
        var processing = OptionsLoader.Load<ProcessingOptions>(config);
        Assert.Equal(["ramdisk_error", "scheduler"], processing.ProcessingHooks);
        Assert.Equal("database", processing.StoreData);
        Assert.Equal("/var/log/ramdisk", processing.RamdiskLogsDir);
        Assert.Equal("enroll", processing.NodeNotFoundHook);
        Assert.Equal(20, OptionsLoader.Load<DefaultOptions>(config).Timeout);
        Assert.Empty(OptionsLoader.UnknownIniOptions(config));
    }

    [Fact]
    public void A_repeated_option_keeps_every_value_when_oslo_config_would_in_file_order()
    {
        var first = WriteFile("aliases-1.conf", "[pci_devices]\nalias = {\"name\": \"a\"}\nalias = {\"name\": \"b\"}\n");
        var second = WriteFile("aliases-2.conf", "[pci_devices]\nalias = [{\"name\": \"c\"}]\n");

        var config = new ConfigurationManager();
        config.AddInspectorConfigFiles(["--config-file", first, "--config-file", second]);

        Assert.Equal(["{\"name\": \"a\"}", "{\"name\": \"b\"}", "[{\"name\": \"c\"}]"], OptionsLoader.Load<PciDevicesOptions>(config).Alias);
    }

    [Fact]
    public void A_repeated_option_set_by_a_later_source_takes_only_that_value()
    {
        var file = WriteFile("aliases.conf", "[pci_devices]\nalias = {\"name\": \"a\"}\nalias = {\"name\": \"b\"}\n");
        var config = new ConfigurationBuilder()
            .AddOsloIniFile(file)
            .AddInMemoryCollection(new Dictionary<string, string?> { ["pci_devices:alias"] = "{\"name\": \"env\"}" })
            .Build();

        Assert.Equal(["{\"name\": \"env\"}"], OptionsLoader.Load<PciDevicesOptions>(config).Alias);
    }

    [Fact]
    public void Later_config_files_override_earlier_ones()
    {
        var first = WriteFile("first.conf", "[DEFAULT]\ntimeout = 10\napi_max_limit = 20\n");
        var second = WriteFile("second.conf", "[DEFAULT]\ntimeout = 30\n");

        var config = new ConfigurationBuilder().AddInspectorConfigFiles(["--config-file", first, $"--config-file={second}"]).Build();

        var defaults = OptionsLoader.Load<DefaultOptions>(config);
        Assert.Equal(30, defaults.Timeout);
        Assert.Equal(20, defaults.ApiMaxLimit);
    }

    [Fact]
    public void Environment_variables_override_the_files()
    {
        // Environment variables are process-wide and other tests start inspectors in parallel,
        // so this one uses a variable that nothing else reads.
        var key = $"test_only_{Guid.NewGuid():N}";
        var file = WriteFile("env.conf", $"[DEFAULT]\n{key} = from-file\n");
        Environment.SetEnvironmentVariable($"DEFAULT__{key}", "from-environment");
        try
        {
            var config = new ConfigurationBuilder().AddInspectorConfigFiles(["--config-file", file]).Build();
            Assert.Equal("from-environment", config[$"DEFAULT:{key}"]);
        }
        finally
        {
            Environment.SetEnvironmentVariable($"DEFAULT__{key}", null);
        }
    }

    [Fact]
    public void Options_are_read_from_a_source_layered_over_the_files()
    {
        // What DEFAULT__timeout=42 in the environment becomes: the key DEFAULT:timeout in a later source.
        var config = new ConfigurationBuilder()
            .AddOsloIniFile(WriteFile("layered.conf", "[DEFAULT]\ntimeout = 10\n[ironic]\nmax_retries = 3\n"))
            .AddInMemoryCollection(new Dictionary<string, string?> { ["DEFAULT:timeout"] = "42", ["ironic:max_retries"] = "x" })
            .Build();

        Assert.Equal(42, OptionsLoader.Load<DefaultOptions>(config).Timeout);
        var error = Assert.Throws<InvalidConfigurationException>(() => OptionsLoader.Load<IronicOptions>(config));
        Assert.Contains("[ironic] max_retries", error.Message, StringComparison.Ordinal);
    }

    private IConfigurationRoot Ini(string text) =>
        new ConfigurationBuilder().AddOsloIniFile(WriteFile($"{Guid.NewGuid():N}.conf", text)).Build();

    private string WriteFile(string name, string text)
    {
        var path = Path.Combine(_directory.FullName, name);
        File.WriteAllText(path, text);
        return path;
    }

    private static IEnumerable<PropertyInfo> OptionProperties(Type type) =>
        type.GetProperties().Where(p => p.GetCustomAttribute<OptionAttribute>() is not null);

    private static (Type Type, PropertyInfo Property, OptionAttribute Attribute) Find(string section, string option)
    {
        var type = OptionsLoader.KnownSections.Single(t => OptionsLoader.SectionName(t) == section);
        var property = OptionProperties(type).Single(p => p.GetCustomAttribute<OptionAttribute>()!.Name == option);
        return (type, property, property.GetCustomAttribute<OptionAttribute>()!);
    }

    private static object Load(Type type, IConfiguration config)
    {
        try
        {
            return typeof(OptionsLoader).GetMethod(nameof(OptionsLoader.Load))!.MakeGenericMethod(type).Invoke(null, [config])!;
        }
        catch (TargetInvocationException e) when (e.InnerException is not null)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(e.InnerException);
            throw;
        }
    }

    /// <summary>An INI text for a valid value other than the default, and the value it must be read as.</summary>
    private static (string Text, object Expected) OtherValidValue(Type type, OptionAttribute option, object? defaultValue)
    {
        var choices = option.Choices;
        if (type == typeof(bool))
        {
            var flag = !(bool)defaultValue!;
            return (flag ? "yes" : "no", flag);
        }

        if (type == typeof(int))
        {
            var value = (int)defaultValue! + 1 <= option.Max ? (int)defaultValue! + 1 : (int)defaultValue! - 1;
            return (value.ToString(System.Globalization.CultureInfo.InvariantCulture), value);
        }

        if (type == typeof(double))
        {
            var value = (double)defaultValue! + 0.5 <= option.Max ? (double)defaultValue! + 0.5 : (double)defaultValue! - 0.5;
            return (value.ToString(System.Globalization.CultureInfo.InvariantCulture), value);
        }

        if (type == typeof(string))
        {
            var value = choices?.First(c => c != (string?)defaultValue) ?? $"{defaultValue}-changed";
            return (value, value);
        }

        if (type == typeof(IReadOnlyList<string>) && option.Multi)
        {
            // Each occurrence is one value, commas and all.
            return ("first, item", new[] { "first, item" });
        }

        if (type == typeof(IReadOnlyList<string>))
        {
            string[] value = choices is null
                ? ["first-item", "second-item"]
                : [choices.First(c => !SameValue(new[] { c }, defaultValue))];
            return (string.Join(", ", value), value);
        }

        if (type == typeof(IReadOnlyDictionary<string, string>))
        {
            return ("key1:value1, key2 : value2", new Dictionary<string, string> { ["key1"] = "value1", ["key2"] = "value2" });
        }

        throw new InvalidOperationException($"No test value for options of type {type}");
    }

    /// <summary>An INI text the option cannot use, or null when it takes any text.</summary>
    private static string? InvalidValue(Type type, OptionAttribute option)
    {
        if (type == typeof(bool))
        {
            return "maybe";
        }

        if (type == typeof(int) || type == typeof(double))
        {
            return "many";
        }

        if (type == typeof(IReadOnlyDictionary<string, string>))
        {
            return "no-colon-here";
        }

        return option.Choices is null ? null : "not-a-choice";
    }

    private static string Show(object? value) => value switch
    {
        IEnumerable<KeyValuePair<string, string>> pairs => "{" + string.Join(", ", pairs.Select(p => $"{p.Key}:{p.Value}")) + "}",
        IEnumerable<string> items => "[" + string.Join(", ", items) + "]",
        _ => value?.ToString() ?? "null",
    };

    private static bool SameValue(object? a, object? b) => (a, b) switch
    {
        (IEnumerable<KeyValuePair<string, string>> left, IEnumerable<KeyValuePair<string, string>> right) =>
            left.OrderBy(p => p.Key, StringComparer.Ordinal).SequenceEqual(right.OrderBy(p => p.Key, StringComparer.Ordinal)),
        (IEnumerable<string> left, IEnumerable<string> right) => left.SequenceEqual(right),
        _ => Equals(a, b),
    };
}

/// <summary>The web front as an operator runs it: an unusable configuration stops it with exit code 2.</summary>
public sealed class WebFrontStartupSpecs : IDisposable
{
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("inspector-startup-");

    public void Dispose() => _directory.Delete(recursive: true);

    [Theory]
    [InlineData("[DEFAULT]\ntimeout = abc\n", "[DEFAULT] timeout")]
    [InlineData("[database]\nconnection = postgresql://127.0.0.1/\n", "[database] connection")]
    public async Task The_web_front_exits_with_2_naming_the_unusable_option(string ini, string option)
    {
        var file = WriteFile("bad.conf", ini);

        var (exitCode, stderr) = await RunWebFrontAsync("--config-file", file);

        Assert.True(exitCode == 2, $"exit code {exitCode}, stderr: {stderr}");
        Assert.Contains(option, stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_environment_variable_overrides_the_config_file()
    {
        // Set for the web front's process only, so no other test sees it.
        var file = WriteFile("valid.conf", "[DEFAULT]\ntimeout = 10\n");

        var (exitCode, stderr) = await RunWebFrontAsync(
            new Dictionary<string, string> { ["DEFAULT__timeout"] = "eleven" }, "--config-file", file);

        Assert.True(exitCode == 2, $"exit code {exitCode}, stderr: {stderr}");
        Assert.Contains("Invalid value 'eleven' for option [DEFAULT] timeout", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_web_front_exits_with_2_when_the_config_file_is_not_ini()
    {
        var file = WriteFile("garbled.conf", "[DEFAULT]\nthis line is no option\n");

        var (exitCode, stderr) = await RunWebFrontAsync("--config-file", file);

        Assert.True(exitCode == 2, $"exit code {exitCode}, stderr: {stderr}");
        Assert.Contains($"Configuration file {file} cannot be read", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_web_front_exits_with_2_when_the_config_file_is_missing()
    {
        var missing = Path.Combine(_directory.FullName, "nowhere.conf");

        var (exitCode, stderr) = await RunWebFrontAsync($"--config-file={missing}");

        Assert.True(exitCode == 2, $"exit code {exitCode}, stderr: {stderr}");
        Assert.Contains($"Configuration file {missing} does not exist", stderr, StringComparison.Ordinal);
    }

    private string WriteFile(string name, string text)
    {
        var path = Path.Combine(_directory.FullName, name);
        File.WriteAllText(path, text);
        return path;
    }

    private Task<(int ExitCode, string Stderr)> RunWebFrontAsync(params string[] args) =>
        RunWebFrontAsync(new Dictionary<string, string>(), args);

    private async Task<(int ExitCode, string Stderr)> RunWebFrontAsync(Dictionary<string, string> environment, params string[] args)
    {
        var start = new ProcessStartInfo(DotnetHost())
        {
            WorkingDirectory = _directory.FullName,
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "Inspector.WebFront.dll"));
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = process.StandardOutput.ReadToEndAsync();
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        try
        {
            await process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"The web front did not exit: {await stdout}");
        }

        return (process.ExitCode, await stderr);
    }

    /// <summary>The dotnet host running these tests (the test runner may be an apphost).</summary>
    private static string DotnetHost()
    {
        if (Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host))
        {
            return host;
        }

        var current = Environment.ProcessPath;
        return current is not null && Path.GetFileNameWithoutExtension(current) == "dotnet" ? current : "dotnet";
    }
}
