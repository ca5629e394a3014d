using System.Text.Json.Nodes;
using Inspector.FleetEmulator.Hardware;
using Inspector.FleetEmulator.Ramdisk;

namespace Inspector.FleetEmulator;

/// <summary>
/// The emulator's own endpoints under <c>/fleet</c> (beside the Ironic API): enrol servers,
/// point the ramdisks at an inspector, boot ramdisks on command, read the counters.
/// </summary>
public static class FleetApi
{
    public static WebApplication MapFleetApi(this WebApplication app, Fleet fleet, RamdiskFleet ramdisks)
    {
        // {"count": N, "seed": S, "provision_state": "manageable"} -> the new nodes' UUIDs.
        app.MapPost("/fleet/nodes", (JsonObject body) =>
        {
            var count = (int?)body["count"] ?? 0;
            if (count is < 1 or > HardwareCatalog.MaxNodes)
            {
                return Results.Json(Error($"count must be between 1 and {HardwareCatalog.MaxNodes}"), statusCode: 400);
            }

            var nodes = fleet.Enrol(count, (int?)body["seed"] ?? 1, (string?)body["provision_state"] ?? "manageable");
            var uuids = new JsonArray();
            foreach (var node in nodes)
            {
                uuids.Add(node.Uuid);
            }

            return Results.Json(new JsonObject { ["count"] = nodes.Count, ["uuids"] = uuids }, statusCode: 201);
        });

        // {"inspector_url": "http://127.0.0.1:5050", "boot_on_power": true, "boot_delay_ms": 0}
        app.MapPost("/fleet/ramdisk", (JsonObject body) =>
        {
            var options = ramdisks.Options;
            if (body["inspector_url"] is { } url)
            {
                if (!Uri.TryCreate((string?)url, UriKind.Absolute, out var uri))
                {
                    return Results.Json(Error("inspector_url must be an absolute URL"), statusCode: 400);
                }

                options = options with { InspectorUrl = uri };
            }

            options = options with
            {
                BootOnPower = (bool?)body["boot_on_power"] ?? options.BootOnPower,
                BootDelay = body["boot_delay_ms"] is { } delay ? TimeSpan.FromMilliseconds((double)delay) : options.BootDelay,
            };
            ramdisks.Options = options;
            return Results.Json(Describe(options));
        });

        // {"nodes": [uuid, ...]} or {} for every node: their ramdisks post now.
        app.MapPost("/fleet/boot", (JsonObject body) =>
        {
            if (ramdisks.Options.InspectorUrl is null)
            {
                return Results.Json(Error("Set the inspector_url first (POST /fleet/ramdisk)"), statusCode: 409);
            }

            var nodes = body["nodes"] is JsonArray ids
                ? ids.Select(id => fleet.Find((string?)id ?? "")).ToList()
                : [.. fleet.Nodes];
            if (nodes.Any(n => n is null))
            {
                return Results.Json(Error("Unknown node in nodes"), statusCode: 404);
            }

            foreach (var node in nodes)
            {
                _ = ramdisks.BootAsync(node!);
            }

            return Results.Json(new JsonObject { ["booting"] = nodes.Count }, statusCode: 202);
        });

        app.MapGet("/fleet/stats", () =>
        {
            var calls = fleet.Nodes.Select(n => fleet.Ironic.Find(n.Uuid)?.CallCount ?? 0).ToList();
            return Results.Json(new JsonObject
            {
                ["nodes"] = fleet.Count,
                ["ironic_calls"] = fleet.Ironic.CallCount,
                ["ironic_calls_per_node"] = new JsonObject
                {
                    ["mean"] = calls.Count == 0 ? 0 : calls.Average(),
                    ["max"] = calls.Count == 0 ? 0 : calls.Max(),
                },
                ["callbacks"] = new JsonObject
                {
                    ["succeeded"] = ramdisks.Succeeded,
                    ["failed"] = ramdisks.Failed,
                    ["retries"] = ramdisks.Retries,
                    ["in_flight"] = ramdisks.InFlight,
                    ["ignored_boots"] = ramdisks.IgnoredBoots,
                },
            });
        });

        app.MapGet("/fleet/nodes/{uuid}/inventory", (string uuid) =>
            fleet.Find(uuid) is { } node
                ? Results.Bytes(InventoryWriter.Write(node), "application/json")
                : Results.Json(Error($"Node {uuid} is not in the fleet"), statusCode: 404));
        return app;
    }

    private static JsonObject Describe(RamdiskOptions options) => new()
    {
        ["inspector_url"] = options.InspectorUrl?.ToString(),
        ["boot_on_power"] = options.BootOnPower,
        ["boot_delay_ms"] = options.BootDelay.TotalMilliseconds,
    };

    private static JsonObject Error(string message) => new() { ["error"] = new JsonObject { ["message"] = message } };
}
