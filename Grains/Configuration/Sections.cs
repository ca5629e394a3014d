namespace Inspector.Grains.Configuration;

/// <summary>Options of the <c>[DEFAULT]</c> section.</summary>
[Section("DEFAULT")]
public sealed class DefaultOptions
{
    [Option("listen_address")]
    public string ListenAddress { get; set; } = "::";

    [Option("listen_port", Min = 0, Max = 65535)]
    public int ListenPort { get; set; } = 5050;

    /// <summary>
    /// The reference defaults to keystone, which needs an identity service; this service
    /// defaults to noauth so that it runs out of the box.
    /// </summary>
    [Option("auth_strategy", Choices = ["noauth", "http_basic"])]
    public string AuthStrategy { get; set; } = "noauth";

    [Option("http_basic_auth_user_file")]
    public string HttpBasicAuthUserFile { get; set; } = "/etc/ironic-inspector/htpasswd";

    [Option("timeout", Min = 0, Max = 315576000)]
    public int Timeout { get; set; } = 3600;

    [Option("clean_up_period", Min = 0)]
    public int CleanUpPeriod { get; set; } = 60;

    [Option("api_max_limit", Min = 1)]
    public int ApiMaxLimit { get; set; } = 1000;

    [Option("can_manage_boot")]
    public bool CanManageBoot { get; set; } = true;

    [Option("introspection_delay", Min = 0)]
    public double IntrospectionDelay { get; set; } = 5;

    [Option("ipmi_address_fields")]
    public IReadOnlyList<string> IpmiAddressFields { get; set; } =
        ["redfish_address", "ilo_address", "drac_host", "drac_address", "ibmc_address"];
}

/// <summary>Options of the <c>[database]</c> section.</summary>
[Section("database")]
public sealed class DatabaseOptions
{
    /// <summary>SQLAlchemy-style URL; <c>sqlite:///relative/path</c> or <c>sqlite:////absolute/path</c>.</summary>
    [Option("connection")]
    public string Connection { get; set; } = "sqlite:///data/inspector.sqlite";
}

/// <summary>Options of the <c>[ironic]</c> section: how to reach the Bare Metal API.</summary>
[Section("ironic")]
public sealed class IronicOptions
{
    [Option("endpoint_override")]
    public string EndpointOverride { get; set; } = "http://127.0.0.1:6385";

    [Option("auth_type", Choices = ["none", "http_basic"])]
    public string AuthType { get; set; } = "none";

    [Option("username")]
    public string Username { get; set; } = "";

    [Option("password")]
    public string Password { get; set; } = "";

    /// <summary>How often a call Ironic answers with 409 or 503 is retried.</summary>
    [Option("max_retries", Min = 0)]
    public int MaxRetries { get; set; } = 30;

    [Option("retry_interval", Min = 0)]
    public double RetryInterval { get; set; } = 2;

    /// <summary>Seconds one HTTP call to Ironic may take.</summary>
    [Option("timeout", Min = 1)]
    public double Timeout { get; set; } = 60;
}

/// <summary>Options of the <c>[processing]</c> section used before the ramdisk calls back.</summary>
[Section("processing")]
public sealed class ProcessingOptions
{
    [Option("permit_active_introspection")]
    public bool PermitActiveIntrospection { get; set; }
}

/// <summary>
/// Options of the <c>[orleans]</c> section (ours): how the silo and its clients find each other.
/// With no <c>gateways</c>, the web front hosts a silo in its own process.
/// </summary>
[Section("orleans")]
public sealed class OrleansOptions
{
    [Option("cluster_id")]
    public string ClusterId { get; set; } = "inspector";

    [Option("service_id")]
    public string ServiceId { get; set; } = "inspector";

    [Option("silo_port", Min = 1, Max = 65535)]
    public int SiloPort { get; set; } = 11111;

    [Option("gateway_port", Min = 1, Max = 65535)]
    public int GatewayPort { get; set; } = 30000;

    /// <summary>host:port of silo gateways; when set, the web front is a pure client of those silos.</summary>
    [Option("gateways")]
    public IReadOnlyList<string> Gateways { get; set; } = [];
}
