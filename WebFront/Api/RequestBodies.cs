using System.Text;

namespace Inspector.WebFront.Api;

public static class RequestBodies
{
    /// <summary>Read into an array of exactly this size when Content-Length says so; a larger or unsized body grows a buffer.</summary>
    private const int MaxPresize = 1 << 20;

    /// <summary>
    /// The body as text, whatever the Content-Type says: ramdisks often send none. UTF-8 unless a
    /// byte order mark says otherwise (as Python's json.loads reads bytes). Bodies over the
    /// configured limit end in a 413 from the server's request limits.
    /// </summary>
    public static async Task<string> ReadTextAsync(HttpRequest request)
    {
        var bytes = await ReadBytesAsync(request);
        return StartsWithByteOrderMark(bytes) ? await DecodeMarkedAsync(bytes) : Encoding.UTF8.GetString(bytes);
    }

    /// <summary>
    /// The body as UTF-8, as <see cref="ReadTextAsync"/> reads it, without decoding it to a string:
    /// the ramdisk's 4-15 KB inventory is parsed and stored as these bytes (decoding it, then
    /// encoding it again for the parser and for the store, was a sixth of the service's
    /// allocations per node; docs/benchmarks.md, step 19). A marked body is decoded as marked.
    /// </summary>
    public static async Task<byte[]> ReadUtf8Async(HttpRequest request)
    {
        var bytes = await ReadBytesAsync(request);
        return StartsWithByteOrderMark(bytes) ? Encoding.UTF8.GetBytes(await DecodeMarkedAsync(bytes)) : bytes;
    }

    private static async Task<byte[]> ReadBytesAsync(HttpRequest request)
    {
        var ct = request.HttpContext.RequestAborted;
        if (request.ContentLength is long length and > 0 and <= MaxPresize)
        {
            // The server ends a body shorter than its Content-Length with an error of its own.
            var exact = new byte[length];
            await request.Body.ReadExactlyAsync(exact, ct);
            return exact;
        }

        using var buffer = new MemoryStream();
        await request.Body.CopyToAsync(buffer, ct);
        return buffer.ToArray();
    }

    private static async Task<string> DecodeMarkedAsync(byte[] bytes)
    {
        using var reader = new StreamReader(new MemoryStream(bytes), Encoding.UTF8, detectEncodingFromByteOrderMarks: true);
        return await reader.ReadToEndAsync();
    }

    /// <summary>UTF-8, UTF-16 (either order) or UTF-32 (either order) marks, as StreamReader detects them.</summary>
    private static bool StartsWithByteOrderMark(ReadOnlySpan<byte> bytes) =>
        bytes.StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF])
        || bytes.StartsWith((ReadOnlySpan<byte>)[0xFE, 0xFF])
        || bytes.StartsWith((ReadOnlySpan<byte>)[0xFF, 0xFE])
        || bytes.StartsWith((ReadOnlySpan<byte>)[0x00, 0x00, 0xFE, 0xFF]);
}
