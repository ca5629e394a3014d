using System.Text.Json;
using Inspector.Grains.Interfaces.Nodes;
using Inspector.Grains.Nodes;

namespace Inspector.WebFront.Api;

/// <summary>
/// JSON bodies as ironic-inspector writes them: compact, keys in alphabetical order, errors as
/// <c>{"error": {"message": ...}}</c>.
/// </summary>
public static class ApiJson
{
    public const string ContentType = "application/json";

    public static IResult Error(int status, string message) =>
        new JsonBody(status, w =>
        {
            w.WriteStartObject();
            w.WriteStartObject("error");
            w.WriteString("message", message);
            w.WriteEndObject();
            w.WriteEndObject();
        });

    /// <summary>The <c>{}</c> body of a 202.</summary>
    public static IResult Accepted() => new JsonBody(StatusCodes.Status202Accepted, w =>
    {
        w.WriteStartObject();
        w.WriteEndObject();
    });

    public static void WriteStatus(Utf8JsonWriter w, NodeStatus status, string baseUrl)
    {
        w.WriteStartObject();
        if (status.Error is null)
        {
            w.WriteNull("error");
        }
        else
        {
            w.WriteString("error", status.Error);
        }

        w.WriteBoolean("finished", status.Finished);
        if (status.FinishedAt is { } finishedAt)
        {
            w.WriteString("finished_at", Timestamps.Format(finishedAt));
        }
        else
        {
            w.WriteNull("finished_at");
        }

        w.WriteStartArray("links");
        w.WriteStartObject();
        w.WriteString("href", $"{baseUrl}/v1/introspection/{status.Uuid}");
        w.WriteString("rel", "self");
        w.WriteEndObject();
        w.WriteEndArray();
        w.WriteString("started_at", Timestamps.Format(status.StartedAt));
        w.WriteString("state", status.State.ToWire());
        w.WriteString("uuid", status.Uuid);
        w.WriteEndObject();
    }

    /// <summary>The service's URL root as the client sees it (after X-Forwarded-* processing).</summary>
    public static string BaseUrl(HttpRequest request) =>
        $"{request.Scheme}://{request.Host}{request.PathBase}";
}

/// <summary>A JSON response written straight to the response stream.</summary>
public sealed class JsonBody(int status, Action<Utf8JsonWriter> write) : IResult
{
    public async Task ExecuteAsync(HttpContext httpContext)
    {
        var response = httpContext.Response;
        response.StatusCode = status;
        response.ContentType = ApiJson.ContentType;
        await using (var writer = new Utf8JsonWriter(response.BodyWriter, new JsonWriterOptions { SkipValidation = true }))
        {
            write(writer);
        }

        await response.BodyWriter.FlushAsync(httpContext.RequestAborted);
    }
}
