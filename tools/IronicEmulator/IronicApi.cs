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
            if (!request.Path.StartsWithSegments("/v1") && request.Path != "/")
            {
                // Not Ironic's API (e.g. a fleet emulator's own endpoints): neither counted nor delayed.
                await next(context);
                return;
            }

            string? body = null;
            if (ironic.RecordCalls && (request.ContentLength > 0 || request.Headers.TransferEncoding.Count > 0))
            {
                request.EnableBuffering();
                body = await new StreamReader(request.Body).ReadToEndAsync();
                request.Body.Position = 0;
            }

            var path = request.QueryString.HasValue ? request.Path + request.QueryString : request.Path.Value ?? "";
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
            var (page, next) = Page(ironic.SortedNodeUuids(), limit, marker);
            var nodes = new JsonArray();
            foreach (var uuid in page)
            {
                nodes.Add(new JsonObject { ["uuid"] = uuid });
            }

            var result = new JsonObject { ["nodes"] = nodes };
            if (next is not null)
            {
                result["next"] = $"{r.Scheme}://{r.Host}/v1/nodes?fields=uuid&limit={page.Count}&marker={next}";
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
            Counted(ironic, id) is { } node ? Results.Json(View(node)) : NodeNotFound(id));

        app.MapPatch("/v1/nodes/{id}", (string id, JsonArray patch) =>
        {
            if (Counted(ironic, id) is not { } node)
            {
                return NodeNotFound(id);
            }

            var error = ironic.PatchNode(ironic.Find(id)!, patch);
            return error is null ? Results.Json(View(node)) : Error(400, error);
        });

        app.MapDelete("/v1/nodes/{id}", (string id) =>
            Counted(ironic, id) is { } node && ironic.RemoveNode((string)node["uuid"]!) ? Results.NoContent() : NodeNotFound(id));

        app.MapGet("/v1/nodes/{id}/validate", (string id) =>
        {
            if (Counted(ironic, id) is not { } node)
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
            if (Counted(ironic, id) is not { } node)
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
            if (Counted(ironic, id) is not { } node)
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

            ironic.OnPowerRequested((string)node["uuid"]!, target!);
            return Results.Accepted();
        });

        app.MapGet("/v1/nodes/{id}/traits", (string id) =>
            Counted(ironic, id) is { } node ? Results.Json(new JsonObject { ["traits"] = node["traits"]!.DeepClone() }) : NodeNotFound(id));

        app.MapPut("/v1/nodes/{id}/traits/{trait}", (string id, string trait) =>
        {
            if (Counted(ironic, id) is not { } node)
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
            if (Counted(ironic, id) is not { } node)
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
            var (page, next) = Page(ironic.SortedPortUuids(), limit, marker);
            var ports = new JsonArray();
            foreach (var uuid in page)
            {
                if (ironic.FindPort(uuid) is { } p)
                {
                    lock (p)
                    {
                        ports.Add(new JsonObject { ["uuid"] = uuid, ["address"] = (string?)p["address"], ["extra"] = p["extra"]?.DeepClone() });
                    }
                }
            }

            var result = new JsonObject { ["ports"] = ports };
            if (next is not null)
            {
                result["next"] = $"{r.Scheme}://{r.Host}/v1/ports?fields=address&limit={page.Count}&marker={next}";
            }

            return Results.Json(result);
        });

        app.MapGet("/v1/ports/detail", (string? node, string? address) =>
        {
            var ports = node is not null ? ironic.PortsOf(node)
                : address is not null ? ironic.PortsWithAddress(address)
                : [];
            if (node is not null)
            {
                ironic.Find(node)?.CountCall();
            }
            else
            {
                foreach (var owner in ports.Select(p => (string?)p["node_uuid"]).Distinct())
                {
                    ironic.Find(owner ?? "")?.CountCall();
                }
            }

            return Results.Json(new JsonObject { ["ports"] = new JsonArray([.. ports.Select(p => p.DeepClone())]) });
        });

        app.MapPost("/v1/ports", (JsonObject body) =>
        {
            var nodeUuid = (string?)body["node_uuid"];
            var address = (string?)body["address"];
            if (nodeUuid is null || Counted(ironic, nodeUuid) is null || address is null)
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

            ironic.Find((string?)port["node_uuid"] ?? "")?.CountCall();
            var error = ironic.PatchPort(port, patch);
            lock (port)
            {
                return error is null ? Results.Json(port.DeepClone()) : Error(400, error);
            }
        });

        app.MapDelete("/v1/ports/{id}", (string id) =>
        {
            if (ironic.FindPort(id) is { } port)
            {
                ironic.Find((string?)port["node_uuid"] ?? "")?.CountCall();
            }

            return ironic.RemovePort(id) ? Results.NoContent() : Error(404, $"Port {id} could not be found.");
        });
        return app;
    }

    /// <summary>The node named by UUID or name, counting the call against it.</summary>
    private static JsonObject? Counted(EmulatedIronic ironic, string id)
    {
        var node = ironic.Find(id);
        node?.CountCall();
        return node?.Json;
    }

    /// <summary>One page of a sorted key list after <paramref name="marker"/>; the marker of the next page or null.</summary>
    private static (IReadOnlyList<string> Page, string? Next) Page(IReadOnlyList<string> sorted, int? limit, string? marker)
    {
        var start = 0;
        if (marker is not null)
        {
            var found = BinarySearch(sorted, marker);
            start = found >= 0 ? found + 1 : ~found;
        }

        var size = Math.Clamp(limit ?? 1000, 1, 1000);
        var count = Math.Clamp(sorted.Count - start, 0, size);
        var page = new string[count];
        for (var i = 0; i < count; i++)
        {
            page[i] = sorted[start + i];
        }

        return (page, count == size && start + size < sorted.Count ? page[^1] : null);
    }

    private static int BinarySearch(IReadOnlyList<string> sorted, string key)
    {
        var (low, high) = (0, sorted.Count - 1);
        while (low <= high)
        {
            var middle = low + ((high - low) / 2);
            var order = string.CompareOrdinal(sorted[middle], key);
            if (order == 0)
            {
                return middle;
            }

            if (order < 0)
            {
                low = middle + 1;
            }
            else
            {
                high = middle - 1;
            }
        }

        return ~low;
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
