using System.Text.Json.Nodes;
using Inspector.Grains.Configuration;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Inspector.Grains.Processing.Hooks;

/// <summary>
/// <c>accelerators</c>: finds the accelerators (GPUs, FPGAs, ...) among the PCI devices the ramdisk
/// reported, by the known devices of <c>[accelerators] known_devices</c>, and sets the node
/// property <c>accelerators</c>: each known device's entry plus <c>pci_address</c> (the PCI bus).
/// </summary>
/// <remarks>
/// The file holds <c>{"pci_devices": [{"vendor_id": ..., "device_id": ..., ...}]}</c> as YAML
/// (the reference's format; see <see cref="SimpleYaml"/>) or JSON. Devices match when both ids
/// are equal (an unquoted YAML <c>8086</c> is a number and matches no device, as in the
/// reference). Without an option value, the devices of the reference's packaged
/// <c>known_accelerators.yaml</c> are known. As in the reference, the property is set whatever
/// <c>[processing] overwrite_existing</c> says, and left alone when nothing matches.
/// </remarks>
public sealed class AcceleratorsHook : IProcessingHook
{
    /// <summary>The reference's packaged <c>known_accelerators.yaml</c>.</summary>
    public const string DefaultKnownDevices = """
        pci_devices:
          - vendor_id: "10de"
            device_id: "1eb8"
            type: GPU
            device_info: NVIDIA Corporation Tesla T4
          - vendor_id: "10de"
            device_id: "1df6"
            type: GPU
            device_info: NVIDIA Corporation GV100GL
        """;

    private readonly List<JsonObject> _knownDevices;
    private readonly ILogger<AcceleratorsHook> _logger;

    public AcceleratorsHook(IOptions<AcceleratorsOptions> options, ILogger<AcceleratorsHook> logger)
    {
        _knownDevices = Load(options.Value.KnownDevices);
        _logger = logger;
    }

    public string Name => "accelerators";

    public void BeforeUpdate(ProcessingContext context)
    {
        var pciDevices = context.Data.Data["pci_devices"];
        if (PythonValues.IsFalsy(pciDevices))
        {
            _logger.LogWarning(
                "Node {Node}: unable to distinguish accelerator devices as no PCI devices information was received from the ramdisk",
                context.NodeUuid);
            return;
        }

        if (pciDevices is not JsonArray devices)
        {
            throw new ProcessingException($"Invalid pci_devices in the introspection data, expected a list: {pciDevices!.ToJsonString()}");
        }

        var accelerators = new JsonArray();
        foreach (var item in devices)
        {
            if (item is not JsonObject device)
            {
                throw new ProcessingException($"Invalid PCI device in the introspection data, expected an object: {item?.ToJsonString() ?? "null"}");
            }

            var vendor = Required(device, "vendor_id");
            var product = Required(device, "product_id");
            var known = _knownDevices.FirstOrDefault(k => JsonNode.DeepEquals(k["vendor_id"], vendor) && JsonNode.DeepEquals(k["device_id"], product));
            if (known is null)
            {
                continue;
            }

            var accelerator = (JsonObject)known.DeepClone();
            accelerator["pci_address"] = Required(device, "bus")?.DeepClone();
            accelerators.Add(accelerator);
        }

        if (accelerators.Count == 0)
        {
            _logger.LogInformation("Node {Node}: no known accelerator devices found", context.NodeUuid);
            return;
        }

        _logger.LogInformation("Node {Node}: found the following accelerator devices: {Accelerators}", context.NodeUuid, accelerators.ToJsonString());
        context.RequireUpdate().Set("/properties/accelerators", accelerators);
    }

    private static JsonNode? Required(JsonObject device, string key) =>
        device.TryGetPropertyValue(key, out var value)
            ? value
            : throw new ProcessingException($"PCI device {device.ToJsonString()} in the introspection data has no {key}");

    /// <summary>Reads and checks the known devices, as the reference does when it loads the hook.</summary>
    private static List<JsonObject> Load(string path)
    {
        string text;
        try
        {
            text = string.IsNullOrWhiteSpace(path) ? DefaultKnownDevices : File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or NotSupportedException or ArgumentException)
        {
            throw Invalid(path, $"cannot read the file: {e.Message}");
        }

        JsonNode? document;
        try
        {
            document = SimpleYaml.Parse(text);
        }
        catch (FormatException e)
        {
            throw Invalid(path, $"cannot parse the file as YAML or JSON: {e.Message}");
        }

        if (PythonValues.IsFalsy(document) || document is not JsonObject root || !root.ContainsKey("pci_devices"))
        {
            throw Invalid(path, "could not find pci_devices in the configuration data");
        }

        if (root["pci_devices"] is not JsonArray devices)
        {
            throw Invalid(path, "pci_devices should contain a list of devices");
        }

        var known = new List<JsonObject>();
        foreach (var device in devices)
        {
            if (device is not JsonObject entry || PythonValues.IsFalsy(entry["vendor_id"]) || PythonValues.IsFalsy(entry["device_id"]))
            {
                throw Invalid(path, "one of devices is missing vendor_id or device_id");
            }

            known.Add(entry);
        }

        return known;
    }

    private static InvalidConfigurationException Invalid(string path, string reason) =>
        new($"Invalid value '{path}' for option [accelerators] known_devices: {reason}");
}
