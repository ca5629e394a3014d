using System.Text;
using Inspector.Grains.Interfaces.Nodes;
using Inspector.Grains.Interfaces.References;
using Orleans.Concurrency;

namespace Inspector.WebFront.Api;

/// <summary><c>POST /v1/continue</c>: ramdisks post their hardware data here (no authentication).</summary>
public static class ContinueEndpoints
{
    public static IEndpointRouteBuilder MapContinueEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapPost("/v1/continue", ContinueAsync);
        return app;
    }

    private static async Task<IResult> ContinueAsync(HttpRequest request, IGrainFactory grains)
    {
        var body = await RequestBodies.ReadUtf8Async(request);
        if (body.AsSpan(Ascii.Trim(body)).IsEmpty)
        {
            return ApiJson.Error(StatusCodes.Status400BadRequest, "Invalid ramdisk data: the request body is empty");
        }

        var reply = await grains.RamdiskCallback().ContinueAsync(body.AsImmutable());
        if (reply.Status != StatusCodes.Status200OK)
        {
            return ApiJson.Error(reply.Status, reply.Message ?? "Processing failed");
        }

        return new JsonBody(StatusCodes.Status200OK, w =>
        {
            w.WriteStartObject();
            if (reply.IpmiPassword is not null)
            {
                w.WriteString("ipmi_password", reply.IpmiPassword);
                w.WriteBoolean("ipmi_setup_credentials", true);
                w.WriteString("ipmi_username", reply.IpmiUsername);
            }

            w.WriteString("uuid", reply.Uuid);
            w.WriteEndObject();
        });
    }
}
