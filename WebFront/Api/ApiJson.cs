using System.Buffers;
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

/// <summary>
/// A JSON response with its Content-Length, as Flask sends it (some proxies and clients handle a
/// chunked answer worse). The body is written into a per-thread buffer first, then copied into
/// the response in one piece; <paramref name="write"/> is synchronous, so no other response can
/// take the buffer meanwhile.
/// </summary>
public sealed class JsonBody(int status, Action<Utf8JsonWriter> write) : IResult
{
    /// <summary>A buffer grown past this (a long list page) is left to the GC rather than kept per thread.</summary>
    private const int KeptCapacity = 64 * 1024;

    [ThreadStatic]
    private static ArrayBufferWriter<byte>? buffer;

    [ThreadStatic]
    private static Utf8JsonWriter? writer;

    public async Task ExecuteAsync(HttpContext httpContext)
    {
        var response = httpContext.Response;
        response.StatusCode = status;
        response.ContentType = ApiJson.ContentType;

        var bytes = buffer ??= new ArrayBufferWriter<byte>(1024);
        bytes.ResetWrittenCount();
        var json = writer ??= new Utf8JsonWriter(bytes, new JsonWriterOptions { SkipValidation = true });
        json.Reset(bytes);
        write(json);
        json.Flush();
        response.ContentLength = bytes.WrittenCount;
        response.BodyWriter.Write(bytes.WrittenSpan);
        if (bytes.Capacity > KeptCapacity)
        {
            buffer = null;
            writer = null;
        }

        await response.BodyWriter.FlushAsync(httpContext.RequestAborted);
    }
}

/// <summary>The empty answer of a 204, with the headers the reference gives it.</summary>
public sealed class EmptyBody : IResult
{
    public static readonly EmptyBody NoContent = new();

    public Task ExecuteAsync(HttpContext httpContext)
    {
        var response = httpContext.Response;
        response.StatusCode = StatusCodes.Status204NoContent;
        // The reference also sends Content-Length: 0; Kestrel leaves it out of a 204, as RFC 9110 asks.
        response.ContentType = "text/plain; charset=utf-8";
        return Task.CompletedTask;
    }
}
