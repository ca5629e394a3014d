using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Inspector.Grains.Configuration;
using Microsoft.Extensions.Options;

namespace Inspector.Grains.Processing.Hooks;

/// <summary><c>pci_devices</c>: counts PCI devices matching <c>[pci_devices] alias</c> into capabilities.</summary>
public sealed class PciDevicesHook : IProcessingHook
{
    private readonly List<(string Vendor, string Product, string Name)> _aliases;

    public PciDevicesHook(IOptions<PciDevicesOptions> options) => _aliases = [.. options.Value.Alias.SelectMany(ParseAliases)];

    public string Name => "pci_devices";

    public void BeforeUpdate(ProcessingContext context)
    {
        if (_aliases.Count == 0 || context.Data.Data["pci_devices"] is not JsonArray devices)
        {
            return;
        }

        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var device in devices.OfType<JsonObject>())
        {
            // Ramdisk data: an id that is not a string matches no alias (it must not fail processing).
            var vendor = AsString(device["vendor_id"]);
            var product = AsString(device["product_id"]);
            foreach (var alias in _aliases.Where(a => a.Vendor == vendor && a.Product == product))
            {
                counts[alias.Name] = counts.GetValueOrDefault(alias.Name) + 1;
            }
        }

        if (counts.Count > 0)
        {
            context.RequireUpdate().UpdateCapabilities(
                counts.Select(c => new KeyValuePair<string, string>(c.Key, c.Value.ToString(CultureInfo.InvariantCulture))));
        }
    }

    private static string? AsString(JsonNode? node) =>
        node is JsonValue value && value.TryGetValue<string>(out var text) ? text : null;

    /// <summary>One JSON object, or a JSON list of them.</summary>
    private static List<(string, string, string)> ParseAliases(string text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return [];
        }

        try
        {
            var node = JsonNode.Parse(text);
            var items = node is JsonArray list ? list.OfType<JsonObject>() : [node as JsonObject ?? throw new JsonException("not an object")];
            return
            [
                .. items.Select(a => ((string?)a["vendor_id"] ?? throw new JsonException("vendor_id is missing"),
                    (string?)a["product_id"] ?? throw new JsonException("product_id is missing"),
                    (string?)a["name"] ?? throw new JsonException("name is missing"))),
            ];
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            throw new InvalidConfigurationException($"Invalid value '{text}' for option [pci_devices] alias: {e.Message}");
        }
    }
}
