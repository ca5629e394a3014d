using System.Text.Json;
using System.Text.Json.Nodes;

namespace Inspector.IronicEmulator;

/// <summary>The subset of Ironic's REST API an inspector uses, served from an <see cref="EmulatedIronic"/>.</summary>
public static class IronicApi
{
    private static readonly string[] PublicNodeFields =
        ["uuid", "name", "driver", "provision_state", "power_state", "maintenance", "driver_info", "properties", "extra", "traits", "resource_class"];

    public static WebApplication MapIronicApi(this WebApplication app, EmulatedIronic ironic)
    {
        app.Use(async (context, next) =>
        {
            var request = context.Request;
            string? body = null;
            if (request.ContentLength > 0 || request.Headers.TransferEncoding.Count > 0)
            {
                request.EnableBuffering();
                body = await new StreamReader(request.Body).ReadToEndAsync();
                request.Body.Position = 0;
            }

            var path = request.Path + request.QueryString;
            ironic.Record(request.Method, path, body);
            if (ironic.Latency > TimeSpan.Zero)
            {
                await Task.Delay(ironic.Latency);
            }

            if (ironic.TakeFailure(path) is { } status)
            {
                await Error(status, $"Injected failure {status}").ExecuteAsync(context);
                return;
            }

            await next(context);
        });

        app.MapGet("/", (HttpRequest r) => Results.Json(new JsonObject
        {
            ["name"] = "OpenStack Ironic API (emulated)",
            ["default_version"] = new JsonObject
            {
                ["id"] = "v1",
                ["version"] = ironic.MaxVersion,
                ["min_version"] = "1.1",
                ["status"] = "CURRENT",
                ["links"] = new JsonArray(new JsonObject { ["href"] = $"{r.Scheme}://{r.Host}/v1/", ["rel"] = "self" }),
            },
        }));

        app.MapGet("/v1/nodes", (HttpRequest r, int? limit, string? marker) =>
        {
            var all = ironic.Nodes.OrderBy(n => (string?)n["uuid"], StringComparer.Ordinal).ToList();
            var start = marker is null ? 0 : all.FindIndex(n => (string?)n["uuid"] == marker) + 1;
            var size = Math.Clamp(limit ?? 1000, 1, 1000);
            var page = all.Skip(start).Take(size).ToList();
            var result = new JsonObject { ["nodes"] = new JsonArray([.. page.Select(n => (JsonNode)new JsonObject { ["uuid"] = (string?)n["uuid"] })]) };
            if (page.Count == size && start + size < all.Count)
            {
                result["next"] = $"{r.Scheme}://{r.Host}/v1/nodes?fields=uuid&limit={size}&marker={page[^1]["uuid"]}";
            }

            return Results.Json(result);
        });

        app.MapPost("/v1/nodes", (JsonObject body) =>
        {
            var uuid = ironic.AddNode((string?)body["name"], "enroll", body["driver_info"]?.DeepClone() as JsonObject,
                properties: body["properties"]?.DeepClone() as JsonObject);
            var created = ironic.FindNode(uuid)!;
            lock (created)
            {
                // Other fields (driver, resource_class, ...) are kept as given.
                foreach (var (field, value) in body.Where(p => p.Key is not ("name" or "driver_info" or "properties")))
                {
                    created[field] = value?.DeepClone();
                }
            }

            return Results.Json(View(ironic.FindNode(uuid)!), statusCode: 201);
        });

        app.MapGet("/v1/nodes/{id}", (string id) =>
            ironic.FindNode(id) is { } node ? Results.Json(View(node)) : NodeNotFound(id));

        app.MapPatch("/v1/nodes/{id}", (string id, JsonArray patch) =>
        {
            if (ironic.FindNode(id) is not { } node)
            {
                return NodeNotFound(id);
            }

            lock (node)
            {
                var error = JsonPatch.Apply(node, patch);
                return error is null ? Results.Json(View(node)) : Error(400, error);
            }
        });

        app.MapDelete("/v1/nodes/{id}", (string id) =>
            ironic.FindNode(id) is { } node && ironic.RemoveNode((string)node["uuid"]!) ? Results.NoContent() : NodeNotFound(id));

        app.MapGet("/v1/nodes/{id}/validate", (string id) =>
        {
            if (ironic.FindNode(id) is not { } node)
            {
                return NodeNotFound(id);
            }

            var powerError = (string?)node["power_validation"];
            return Results.Json(new JsonObject
            {
                ["power"] = new JsonObject { ["result"] = powerError is null, ["reason"] = powerError },
                ["management"] = new JsonObject { ["result"] = true, ["reason"] = null },
                ["boot"] = new JsonObject { ["result"] = true, ["reason"] = null },
            });
        });

        app.MapPut("/v1/nodes/{id}/management/boot_device", (string id, JsonObject body) =>
        {
            if (ironic.FindNode(id) is not { } node)
            {
                return NodeNotFound(id);
            }

            lock (node)
            {
                node["boot_device"] = body.DeepClone();
            }

            return Results.NoContent();
        });

        app.MapPut("/v1/nodes/{id}/states/power", (string id, JsonObject body) =>
        {
            if (ironic.FindNode(id) is not { } node)
            {
                return NodeNotFound(id);
            }

            var target = (string?)body["target"];
            var state = target switch
            {
                "power on" or "rebooting" or "soft rebooting" => "power on",
                "power off" or "soft power off" => "power off",
                _ => null,
            };
            if (state is null)
            {
                return Error(400, $"Invalid power state target {target}");
            }

            lock (node)
            {
                node["power_state"] = state;
            }

            return Results.Accepted();
        });

        app.MapGet("/v1/nodes/{id}/traits", (string id) =>
            ironic.FindNode(id) is { } node ? Results.Json(new JsonObject { ["traits"] = node["traits"]!.DeepClone() }) : NodeNotFound(id));

        app.MapPut("/v1/nodes/{id}/traits/{trait}", (string id, string trait) =>
        {
            if (ironic.FindNode(id) is not { } node)
            {
                return NodeNotFound(id);
            }

            lock (node)
            {
                var traits = (JsonArray)node["traits"]!;
                if (!traits.Any(t => (string?)t == trait))
                {
                    traits.Add(trait);
                }
            }

            return Results.NoContent();
        });

        app.MapDelete("/v1/nodes/{id}/traits/{trait}", (string id, string trait) =>
        {
            if (ironic.FindNode(id) is not { } node)
            {
                return NodeNotFound(id);
            }

            lock (node)
            {
                var traits = (JsonArray)node["traits"]!;
                var existing = traits.FirstOrDefault(t => (string?)t == trait);
                if (existing is null)
                {
                    return Error(404, $"Node {id} doesn't have a trait '{trait}'");
                }

                traits.Remove(existing);
            }

            return Results.NoContent();
        });

        app.MapGet("/v1/ports", (HttpRequest r, int? limit, string? marker) =>
        {
            var all = ironic.AllPorts.OrderBy(p => (string?)p["uuid"], StringComparer.Ordinal).ToList();
            var start = marker is null ? 0 : all.FindIndex(p => (string?)p["uuid"] == marker) + 1;
            var size = Math.Clamp(limit ?? 1000, 1, 1000);
            var page = all.Skip(start).Take(size).ToList();
            var result = new JsonObject
            {
                ["ports"] = new JsonArray([.. page.Select(p => (JsonNode)new JsonObject
                {
                    ["uuid"] = (string?)p["uuid"], ["address"] = (string?)p["address"], ["extra"] = p["extra"]?.DeepClone(),
                })]),
            };
            if (page.Count == size && start + size < all.Count)
            {
                result["next"] = $"{r.Scheme}://{r.Host}/v1/ports?fields=address&limit={size}&marker={page[^1]["uuid"]}";
            }

            return Results.Json(result);
        });

        app.MapGet("/v1/ports/detail", (string? node, string? address) =>
        {
            var ports = node is not null ? ironic.PortsOf(node)
                : address is not null ? ironic.PortsWithAddress(address)
                : [];
            return Results.Json(new JsonObject { ["ports"] = new JsonArray([.. ports.Select(p => p.DeepClone())]) });
        });

        app.MapPost("/v1/ports", (JsonObject body) =>
        {
            var nodeUuid = (string?)body["node_uuid"];
            var address = (string?)body["address"];
            if (nodeUuid is null || ironic.FindNode(nodeUuid) is null || address is null)
            {
                return Error(400, "A port needs an existing node_uuid and an address");
            }

            if (ironic.PortsWithAddress(address).Any())
            {
                return Error(409, $"A port with MAC address {address} already exists.");
            }

            var port = ironic.AddPort(nodeUuid, address, body["pxe_enabled"]?.GetValueKind() != JsonValueKind.False,
                body["extra"]?.DeepClone() as JsonObject);
            lock (port)
            {
                port["local_link_connection"] = body["local_link_connection"]?.DeepClone() ?? new JsonObject();
                port["physical_network"] = body["physical_network"]?.DeepClone();
            }

            return Results.Json(port.DeepClone(), statusCode: 201);
        });

        app.MapPatch("/v1/ports/{id}", (string id, JsonArray patch) =>
        {
            if (ironic.FindPort(id) is not { } port)
            {
                return Error(404, $"Port {id} could not be found.");
            }

            lock (port)
            {
                var error = JsonPatch.Apply(port, patch);
                return error is null ? Results.Json(port.DeepClone()) : Error(400, error);
            }
        });

        app.MapDelete("/v1/ports/{id}", (string id) =>
            ironic.RemovePort(id) ? Results.NoContent() : Error(404, $"Port {id} could not be found."));
        return app;
    }

    private static JsonObject View(JsonObject node)
    {
        lock (node)
        {
            var view = new JsonObject();
            foreach (var field in PublicNodeFields)
            {
                view[field] = node[field]?.DeepClone();
            }

            return view;
        }
    }

    private static IResult NodeNotFound(string id) => Error(404, $"Node {id} could not be found.");

    /// <summary>Ironic's error format: the fault is a JSON document inside a string.</summary>
    private static IResult Error(int status, string message) => Results.Json(new JsonObject
    {
        ["error_message"] = new JsonObject
        {
            ["faultstring"] = message,
            ["faultcode"] = status < 500 ? "Client" : "Server",
            ["debuginfo"] = null,
        }.ToJsonString(),
    }, statusCode: status);

}
