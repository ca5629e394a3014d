using System.Text.Json;
using System.Text.Json.Nodes;

namespace Inspector.IronicEmulator;

/// <summary>The subset of Ironic's REST API an inspector uses, served from an <see cref="EmulatedIronic"/>.</summary>
public static class IronicApi
{
    /// <summary>The oldest API version the emulator serves (Ironic's own minimum).</summary>
    private const string MinVersion = "1.1";

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

            await ironic.HeldUntil(path);

            if (ironic.TakeFailure(path) is { } status)
            {
                await Error(status, $"Injected failure {status}").ExecuteAsync(context);
                return;
            }

            // Like Ironic, every v1 answer names the versions it serves (clients negotiate from them).
            context.Response.Headers["X-OpenStack-Ironic-API-Minimum-Version"] = MinVersion;
            context.Response.Headers["X-OpenStack-Ironic-API-Maximum-Version"] = ironic.MaxVersion;
            await next(context);
        });

        // The emulator's own call log (not Ironic's API, so neither counted nor delayed), for
        // probes such as bench/reference/flow.py: what an inspector asked of Ironic, in order.
        app.MapGet("/emulator/calls", () => Results.Json(new JsonObject
        {
            ["recording"] = ironic.RecordCalls,
            ["calls"] = new JsonArray([.. ironic.Calls.Select(c => new JsonObject { ["method"] = c.Method, ["path"] = c.Path, ["body"] = c.Body })]),
        }));
        app.MapDelete("/emulator/calls", () =>
        {
            ironic.ClearCalls();
            return Results.NoContent();
        });

        // Version discovery: keystoneauth (the reference's SDK) needs the "versions" list, older
        // clients read "default_version".
        app.MapGet("/", (HttpRequest r) => Results.Json(new JsonObject
        {
            ["name"] = "OpenStack Ironic API (emulated)",
            ["description"] = "Ironic's REST API as far as an inspector uses it",
            ["default_version"] = Version(ironic, r),
            ["versions"] = new JsonArray(Version(ironic, r)),
        }));

        // The v1 root: keystoneauth reads "version", openstacksdk the version headers; without it
        // the SDK negotiates no microversion and repeats this call before every other one.
        // (One route: routing matches "/v1" with and without the trailing slash.)
        app.MapGet("/v1/", (HttpRequest r) => V1Root(ironic, r));

        app.MapGet("/v1/nodes", (HttpRequest r, int? limit, string? marker, string? fields) =>
        {
            var (selected, invalid) = IronicFields.Parse(fields, IronicFields.NodeFields, IronicFields.NodeListFields);
            if (invalid is not null)
            {
                return Error(400, invalid);
            }

            var size = PageSize(limit);
            if (ironic.NodeOrder.PageAfter(marker, size) is not { } paged)
            {
                return NodeNotFound(marker!);
            }

            var (page, more) = paged;
            var nodes = new JsonArray();
            foreach (var uuid in page)
            {
                if (ironic.FindNode(uuid) is { } node)
                {
                    nodes.Add(IronicFields.Select(node, selected));
                }
            }

            var result = new JsonObject { ["nodes"] = nodes };
            if (more)
            {
                result["next"] = NextLink(r, "/v1/nodes", fields, size, page[^1]);
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

        app.MapGet("/v1/nodes/{id}", (string id, string? fields) =>
        {
            var (selected, invalid) = IronicFields.Parse(fields, IronicFields.NodeFields, IronicFields.NodeFields);
            if (invalid is not null)
            {
                return Error(400, invalid);
            }

            return Counted(ironic, id) is { } node ? Json(IronicFields.Write(node, selected)) : NodeNotFound(id);
        });

        app.MapPatch("/v1/nodes/{id}", (string id, JsonArray patch) =>
        {
            if (Counted(ironic, id) is not { } node)
            {
                return NodeNotFound(id);
            }

            var error = ironic.PatchNode(ironic.Find(id)!, patch);
            return error is null ? Json(IronicFields.Write(node, IronicFields.NodeFields)) : Error(400, error);
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

        app.MapGet("/v1/ports", (HttpRequest r, int? limit, string? marker, string? fields, string? address, string? node, string? node_uuid) =>
        {
            var (selected, invalid) = IronicFields.Parse(fields, IronicFields.PortFields, IronicFields.PortListFields);
            if (invalid is not null)
            {
                return Error(400, invalid);
            }

            var owner = node ?? node_uuid;
            if (address is not null || owner is not null)
            {
                // Filtered: a handful of ports from the indexes, on one page.
                var matches = address is not null ? ironic.PortsWithAddress(address) : ironic.PortsOf(owner!);
                if (address is not null && owner is not null)
                {
                    var ownerUuid = ironic.Find(owner)?.Uuid;
                    matches = matches.Where(p => string.Equals((string?)p["node_uuid"], ownerUuid, StringComparison.OrdinalIgnoreCase));
                }

                return Results.Json(new JsonObject { ["ports"] = new JsonArray([.. matches.Select(p => IronicFields.Select(p, selected))]) });
            }

            var size = PageSize(limit);
            if (ironic.PortOrder.PageAfter(marker, size) is not { } paged)
            {
                return Error(404, $"Port {marker} could not be found.");
            }

            var (page, more) = paged;
            var ports = new JsonArray();
            foreach (var uuid in page)
            {
                if (ironic.FindPort(uuid) is { } port)
                {
                    ports.Add(IronicFields.Select(port, selected));
                }
            }

            var result = new JsonObject { ["ports"] = ports };
            if (more)
            {
                result["next"] = NextLink(r, "/v1/ports", fields, size, page[^1]);
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

    /// <summary>Ironic's page size: 1000 at most, 1000 by default.</summary>
    private static int PageSize(int? limit) => Math.Clamp(limit is null or <= 0 ? 1000 : limit.Value, 1, 1000);

    /// <summary>The next page's URL, keeping the requested fields, as Ironic writes it.</summary>
    private static string NextLink(HttpRequest r, string path, string? fields, int limit, string marker)
    {
        var query = fields is null ? "" : $"fields={Uri.EscapeDataString(fields)}&";
        return $"{r.Scheme}://{r.Host}{path}?{query}limit={limit}&marker={marker}";
    }

    private static JsonObject Version(EmulatedIronic ironic, HttpRequest r) => new()
    {
        ["id"] = "v1",
        ["status"] = "CURRENT",
        ["version"] = ironic.MaxVersion,
        ["min_version"] = MinVersion,
        ["links"] = new JsonArray(new JsonObject { ["href"] = $"{r.Scheme}://{r.Host}/v1/", ["rel"] = "self" }),
    };

    private static IResult V1Root(EmulatedIronic ironic, HttpRequest r)
    {
        r.HttpContext.Response.Headers["X-OpenStack-Ironic-API-Version"] = MinVersion;
        return Results.Json(new JsonObject
        {
            ["id"] = "v1",
            ["links"] = new JsonArray(new JsonObject { ["href"] = $"{r.Scheme}://{r.Host}/v1/", ["rel"] = "self" }),
            ["media_types"] = new JsonArray(new JsonObject { ["base"] = "application/json", ["type"] = "application/vnd.openstack.ironic.v1+json" }),
            ["version"] = Version(ironic, r),
        });
    }

    private static JsonObject View(JsonObject node) => IronicFields.Select(node, IronicFields.NodeFields);

    private static IResult Json(byte[] utf8) => Results.Bytes(utf8, "application/json; charset=utf-8");

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
