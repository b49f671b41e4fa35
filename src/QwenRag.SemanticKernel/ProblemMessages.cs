using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;

namespace QwenRag.SemanticKernel;

/// <summary>
/// Turns a QwenRag server's problem document (RFC 7807: title, detail, and per-field errors for a 400) into the
/// message of a <see cref="QwenRagException"/>: the status, what the server said, and what the model can do about it.
/// </summary>
internal static class ProblemMessages
{
    // A problem document is a few hundred bytes; a proxy's error page is not worth reading whole.
    private const int MaxBodyCharacters = 16 * 1024;

    public static async Task<QwenRagException> ToExceptionAsync(
        HttpResponseMessage response, string operation, CancellationToken cancellationToken)
    {
        var status = response.StatusCode;
        var retryAfter = response.Headers.RetryAfter is { } header
            ? header.Delta ?? (header.Date is { } date ? date - DateTimeOffset.UtcNow : null)
            : null;
        var said = Describe(await ReadBodyAsync(response, cancellationToken));
        var code = $"{(int)status} {ReasonOf(status)}";
        var message = status switch
        {
            HttpStatusCode.Unauthorized =>
                $"QwenRag refused the API key ({code}): {said ?? "no valid key was sent."} Check the key the plugin is configured with.",
            HttpStatusCode.Forbidden => $"Not allowed ({code}): {said ?? "this API key may not do that."}",
            HttpStatusCode.NotFound => $"Not found ({code}): {said ?? "no such set or document."} {Hints.ListSets}",
            HttpStatusCode.TooManyRequests =>
                $"QwenRag is busy ({code}): {said ?? "too many requests."} Retry after " +
                $"{(retryAfter ?? Hints.BusyRetryAfter).TotalSeconds.ToString("0", CultureInfo.InvariantCulture)} seconds.",
            HttpStatusCode.BadRequest => $"QwenRag rejected the {operation} request ({code}): {said ?? "invalid input."}",
            _ when (int)status >= 500 => $"The QwenRag server failed to {operation} ({code}): {said ?? "no detail given."} Retry later.",
            _ => $"QwenRag refused to {operation} ({code}): {said ?? "no detail given."}",
        };
        return new QwenRagException(message, status, retryAfter);
    }

    private static async Task<string> ReadBodyAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(cancellationToken), Encoding.UTF8);
        var buffer = new char[MaxBodyCharacters];
        var read = await reader.ReadBlockAsync(buffer, cancellationToken);
        return new string(buffer, 0, read);
    }

    /// <summary>The problem's detail, or its field errors; null when the body is no problem document.</summary>
    private static string? Describe(string body)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return null;
            }

            if (root.TryGetProperty("errors", out var errors) && errors.ValueKind == JsonValueKind.Object)
            {
                var fields = errors.EnumerateObject()
                    .Select(field => $"{field.Name}: {(field.Value.ValueKind == JsonValueKind.Array
                        ? string.Join(" ", field.Value.EnumerateArray().Select(error => error.ToString()))
                        : field.Value.ToString())}")
                    .ToArray();
                if (fields.Length > 0)
                {
                    return string.Join("; ", fields);
                }
            }

            return root.TryGetProperty("detail", out var detail) && detail.ValueKind == JsonValueKind.String
                ? detail.GetString()
                : root.TryGetProperty("title", out var title) && title.ValueKind == JsonValueKind.String ? title.GetString() : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static string ReasonOf(HttpStatusCode status) => status switch
    {
        HttpStatusCode.TooManyRequests => "Too Many Requests",
        HttpStatusCode.NotFound => "Not Found",
        HttpStatusCode.BadRequest => "Bad Request",
        HttpStatusCode.RequestEntityTooLarge => "Payload Too Large",
        HttpStatusCode.UnsupportedMediaType => "Unsupported Media Type",
        HttpStatusCode.ServiceUnavailable => "Service Unavailable",
        HttpStatusCode.InternalServerError => "Internal Server Error",
        _ => status.ToString(),
    };
}
