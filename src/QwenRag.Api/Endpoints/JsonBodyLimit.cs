using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using QwenRag.Api.Problems;

namespace QwenRag.Api.Endpoints;

/// <summary>
/// Endpoint metadata: the JSON body of this endpoint is read into memory only up to
/// <see cref="ApiOptions.MaxJsonBodyBytes"/>, and a larger one is a 413 naming that setting, before any JSON is parsed.
/// </summary>
public sealed class JsonBodyLimit
{
    public static readonly JsonBodyLimit Metadata = new();

    private JsonBodyLimit()
    {
    }

    /// <summary>The middleware that applies the limit to the endpoints that carry <see cref="Metadata"/>.</summary>
    public static async Task ApplyAsync(HttpContext context, RequestDelegate next)
    {
        if (context.GetEndpoint()?.Metadata.GetMetadata<JsonBodyLimit>() is null)
        {
            await next(context);
            return;
        }

        var limit = context.RequestServices.GetRequiredService<IOptions<ApiOptions>>().Value.MaxJsonBodyBytes;
        if (context.Request.ContentLength > limit)
        {
            throw TooLarge(limit);
        }

        var buffer = new byte[(int)Math.Min(limit + 1L, context.Request.ContentLength ?? limit + 1L)];
        var length = 0;
        int read;
        try
        {
            while (length < buffer.Length
                && (read = await context.Request.Body.ReadAsync(buffer.AsMemory(length), context.RequestAborted)) > 0)
            {
                length += read;
            }
        }
        catch (BadHttpRequestException ex) when (ex.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            throw TooLarge(limit);
        }

        if (length > limit)
        {
            throw TooLarge(limit);
        }

        context.Request.Body = new MemoryStream(buffer, 0, length, writable: false);
        await next(context);
    }

    private static RequestLimitException TooLarge(int limit) => new(
        nameof(ApiOptions.MaxJsonBodyBytes), limit, "The JSON body is larger than allowed, in bytes", StatusCodes.Status413PayloadTooLarge);
}
