using System.Text;

namespace Inspector.WebFront.Api;

public static class RequestBodies
{
    /// <summary>
    /// The body as text, whatever the Content-Type says: ramdisks often send none. Bodies over
    /// the configured limit end in a 413 from the server's request limits.
    /// </summary>
    public static async Task<string> ReadTextAsync(HttpRequest request)
    {
        using var reader = new StreamReader(request.Body, Encoding.UTF8, detectEncodingFromByteOrderMarks: true);
        return await reader.ReadToEndAsync(request.HttpContext.RequestAborted);
    }
}
