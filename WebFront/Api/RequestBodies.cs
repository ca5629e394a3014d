using System.Text;

namespace Inspector.WebFront.Api;

public static class RequestBodies
{
    /// <summary>Pre-sized up to this much from Content-Length; a larger body grows the buffer as it comes.</summary>
    private const int MaxPresize = 1 << 20;

    /// <summary>
    /// The body as text, whatever the Content-Type says: ramdisks often send none. UTF-8 unless a
    /// byte order mark says otherwise (as Python's json.loads reads bytes). Bodies over the
    /// configured limit end in a 413 from the server's request limits.
    /// </summary>
    public static async Task<string> ReadTextAsync(HttpRequest request)
    {
        // One buffer and one decode: a ramdisk's 4-15 KB inventory went through a StreamReader's
        // buffers and a StringBuilder before, a tenth of the service's allocations per node.
        var declared = request.ContentLength is long length and > 0 ? (int)Math.Min(length, MaxPresize) : 0;
        using var buffer = new MemoryStream(declared);
        await request.Body.CopyToAsync(buffer, request.HttpContext.RequestAborted);
        var bytes = buffer.GetBuffer().AsSpan(0, (int)buffer.Length);
        if (!StartsWithByteOrderMark(bytes))
        {
            return Encoding.UTF8.GetString(bytes);
        }

        buffer.Position = 0;
        using var reader = new StreamReader(buffer, Encoding.UTF8, detectEncodingFromByteOrderMarks: true);
        return await reader.ReadToEndAsync(request.HttpContext.RequestAborted);
    }

    /// <summary>UTF-8, UTF-16 (either order) or UTF-32 (either order) marks, as StreamReader detects them.</summary>
    private static bool StartsWithByteOrderMark(ReadOnlySpan<byte> bytes) =>
        bytes.StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF])
        || bytes.StartsWith((ReadOnlySpan<byte>)[0xFE, 0xFF])
        || bytes.StartsWith((ReadOnlySpan<byte>)[0xFF, 0xFE])
        || bytes.StartsWith((ReadOnlySpan<byte>)[0x00, 0x00, 0xFE, 0xFF]);
}
