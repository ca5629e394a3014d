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

    /// <summary>
    /// oslo.service's option: seconds a stopping service waits for requests and processing in
    /// progress to finish (0: as long as they take).
    /// </summary>
    [Option("graceful_shutdown_timeout", Min = 0)]
    public int GracefulShutdownTimeout { get; set; } = 60;

    /// <summary>The host's shutdown timeout this option means.</summary>
    public TimeSpan ShutdownTimeout =>
        GracefulShutdownTimeout == 0 ? System.Threading.Timeout.InfiniteTimeSpan : TimeSpan.FromSeconds(GracefulShutdownTimeout);

    [Option("ipmi_address_fields")]
    public IReadOnlyList<string> IpmiAddressFields { get; set; } =
        ["redfish_address", "ilo_address", "drac_host", "drac_address", "ibmc_address"];
}

/// <summary>Options of the <c>[database]</c> section.</summary>
[Section("database")]
public sealed class DatabaseOptions
{
    /// <summary>
    /// SQLAlchemy-style URL: <c>sqlite:///relative/path</c>, <c>sqlite:////absolute/path</c> or
    /// <c>postgresql://user:password@host:port/database</c> (shared by a cluster of silos).
    /// </summary>
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

/// <summary>Options of the <c>[processing]</c> section: what happens to the ramdisk's data.</summary>
[Section("processing")]
public sealed class ProcessingOptions
{
    public const string DefaultHooks = "ramdisk_error,root_disk_selection,scheduler,validate_interfaces,capabilities,pci_devices";

    [Option("add_ports", Choices = ["all", "active", "pxe", "disabled"])]
    public string AddPorts { get; set; } = "pxe";

    [Option("keep_ports", Choices = ["all", "present", "added"])]
    public string KeepPorts { get; set; } = "all";

    [Option("overwrite_existing")]
    public bool OverwriteExisting { get; set; } = true;

    [Option("default_processing_hooks")]
    public IReadOnlyList<string> DefaultProcessingHooks { get; set; } = DefaultHooks.Split(',');

    /// <summary>May name <c>$default_processing_hooks</c>, which expands as in oslo.config.</summary>
    [Option("processing_hooks")]
    public IReadOnlyList<string> ProcessingHooks { get; set; } = ["$default_processing_hooks"];

    [Option("ramdisk_logs_dir")]
    public string RamdiskLogsDir { get; set; } = "";

    [Option("always_store_ramdisk_logs")]
    public bool AlwaysStoreRamdiskLogs { get; set; }

    [Option("node_not_found_hook", Choices = ["", "enroll"])]
    public string NodeNotFoundHook { get; set; } = "";

    [Option("store_data", Choices = ["none", "database"])]
    public string StoreData { get; set; } = "none";

    [Option("disk_partitioning_spacing")]
    public bool DiskPartitioningSpacing { get; set; } = true;

    [Option("ramdisk_logs_filename_format")]
    public string RamdiskLogsFilenameFormat { get; set; } = "{uuid}_{dt:%Y%m%d-%H%M%S.%f}.tar.gz";

    [Option("power_off")]
    public bool PowerOff { get; set; } = true;

    [Option("permit_active_introspection")]
    public bool PermitActiveIntrospection { get; set; }

    [Option("update_pxe_enabled")]
    public bool UpdatePxeEnabled { get; set; } = true;

    [Option("enable_setting_ipmi_credentials")]
    public bool EnableSettingIpmiCredentials { get; set; }

    /// <summary>Seconds to keep checking that Ironic reaches the BMC with newly set credentials.</summary>
    [Option("ipmi_credentials_validation_timeout", Min = 0)]
    public double IpmiCredentialsValidationTimeout { get; set; } = 120;

    /// <summary>Largest accepted request body in bytes (ramdisk data with logs can be large).</summary>
    [Option("max_request_body_size", Min = 1024)]
    public int MaxRequestBodySize { get; set; } = 64 * 1024 * 1024;

    public bool StoresData => StoreData == "database";

    /// <summary>The hook names in order, with <c>$default_processing_hooks</c> expanded.</summary>
    public IReadOnlyList<string> EffectiveHooks() =>
    [
        .. ProcessingHooks.SelectMany(h => h is "$default_processing_hooks" or "${default_processing_hooks}"
            ? DefaultProcessingHooks
            : [h]),
    ];
}

/// <summary>Options of the <c>[capabilities]</c> section.</summary>
[Section("capabilities")]
public sealed class CapabilitiesOptions
{
    [Option("boot_mode")]
    public bool BootMode { get; set; }

    [Option("cpu_flags")]
    public IReadOnlyDictionary<string, string> CpuFlags { get; set; } = new Dictionary<string, string>
    {
        ["vmx"] = "cpu_vt", ["svm"] = "cpu_vt", ["aes"] = "cpu_aes", ["pse"] = "cpu_hugepages",
        ["pdpe1gb"] = "cpu_hugepages_1g", ["smx"] = "cpu_txt",
    };
}

/// <summary>Options of the <c>[pci_devices]</c> section.</summary>
[Section("pci_devices")]
public sealed class PciDevicesOptions
{
    /// <summary>
    /// JSON objects <c>{"vendor_id": ..., "product_id": ..., "name": ...}</c>, the option repeated
    /// once per alias as in the reference; a value may also be a JSON list of them.
    /// </summary>
    [Option("alias", Multi = true)]
    public IReadOnlyList<string> Alias { get; set; } = [];
}

/// <summary>Options of the <c>[discovery]</c> section: enrolling unknown machines.</summary>
[Section("discovery")]
public sealed class DiscoveryOptions
{
    [Option("enroll_node_driver")]
    public string EnrollNodeDriver { get; set; } = "fake-hardware";

    [Option("enroll_node_fields")]
    public IReadOnlyDictionary<string, string> EnrollNodeFields { get; set; } = new Dictionary<string, string>();

    [Option("enabled_bmc_address_version", Choices = ["4", "6"])]
    public IReadOnlyList<string> EnabledBmcAddressVersion { get; set; } = ["4", "6"];
}

/// <summary>Options of the <c>[extra_hardware]</c> section.</summary>
[Section("extra_hardware")]
public sealed class ExtraHardwareOptions
{
    [Option("strict")]
    public bool Strict { get; set; }
}

/// <summary>Options of the <c>[port_physnet]</c> section.</summary>
[Section("port_physnet")]
public sealed class PortPhysnetOptions
{
    /// <summary><c>CIDR:physnet</c> pairs, comma separated.</summary>
    [Option("cidr_map")]
    public IReadOnlyList<string> CidrMap { get; set; } = [];
}

/// <summary>Options of the <c>[accelerators]</c> section.</summary>
[Section("accelerators")]
public sealed class AcceleratorsOptions
{
    /// <summary>
    /// A YAML (or JSON) file of the known accelerator devices. Empty: the devices of the
    /// reference's packaged <c>known_accelerators.yaml</c>.
    /// </summary>
    [Option("known_devices")]
    public string KnownDevices { get; set; } = "";
}

/// <summary>Options of the <c>[pxe_filter]</c> section: which machines the inspection DHCP serves.</summary>
[Section("pxe_filter")]
public sealed class PxeFilterOptions
{
    /// <summary>The reference defaults to iptables; here nothing is filtered unless asked for.</summary>
    [Option("driver", Choices = ["noop", "dnsmasq", "iptables"])]
    public string Driver { get; set; } = "noop";

    [Option("sync_period", Min = 0)]
    public int SyncPeriod { get; set; } = 15;

    [Option("deny_unknown_macs")]
    public bool DenyUnknownMacs { get; set; }
}

/// <summary>Options of the <c>[dnsmasq_pxe_filter]</c> section.</summary>
[Section("dnsmasq_pxe_filter")]
public sealed class DnsmasqPxeFilterOptions
{
    [Option("dhcp_hostsdir")]
    public string DhcpHostsdir { get; set; } = "/var/lib/ironic-inspector/dhcp-hostsdir";

    [Option("purge_dhcp_hostsdir")]
    public bool PurgeDhcpHostsdir { get; set; } = true;

    [Option("dnsmasq_start_command")]
    public string DnsmasqStartCommand { get; set; } = "";

    [Option("dnsmasq_stop_command")]
    public string DnsmasqStopCommand { get; set; } = "";
}

/// <summary>Options of the <c>[iptables]</c> section.</summary>
[Section("iptables")]
public sealed class IptablesOptions
{
    [Option("dnsmasq_interface")]
    public string DnsmasqInterface { get; set; } = "br-ctlplane";

    [Option("firewall_chain")]
    public string FirewallChain { get; set; } = "ironic-inspector";

    [Option("ethoib_interfaces")]
    public IReadOnlyList<string> EthoibInterfaces { get; set; } = [];

    [Option("ip_version", Choices = ["4", "6"])]
    public string IpVersion { get; set; } = "4";
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

    /// <summary>
    /// Whether the web front hosts a silo. False (with no <c>gateways</c>) makes it a pure client
    /// that finds the silos in the PostgreSQL membership table.
    /// </summary>
    [Option("embedded_silo")]
    public bool EmbeddedSilo { get; set; } = true;

    /// <summary>The IP address a silo publishes in the membership table for other silos and clients.</summary>
    [Option("advertised_address")]
    public string AdvertisedAddress { get; set; } = "127.0.0.1";

    /// <summary>
    /// Seconds between liveness probes of other silos, and how long one may take. With
    /// <see cref="MissedProbesLimit"/> it sets how soon a dead silo is declared dead.
    /// </summary>
    [Option("probe_timeout", Min = 0.1, Max = 60)]
    public double ProbeTimeout { get; set; } = 1;

    /// <summary>Consecutive missed probes after which a silo votes another dead.</summary>
    [Option("missed_probes_limit", Min = 1, Max = 10)]
    public int MissedProbesLimit { get; set; } = 3;

    /// <summary>Votes that declare a silo dead (fewer when fewer silos are alive to vote).</summary>
    [Option("votes_for_death_declaration", Min = 1, Max = 10)]
    public int VotesForDeathDeclaration { get; set; } = 2;

    /// <summary>Seconds between a pure client's reads of the gateway list from the membership table.</summary>
    [Option("gateway_list_refresh_period", Min = 0.5, Max = 600)]
    public double GatewayListRefreshPeriod { get; set; } = 5;
}
