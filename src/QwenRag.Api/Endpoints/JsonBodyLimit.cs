using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;
using Microsoft.Net.Http.Headers;
using QwenRag.Api.Problems;

namespace QwenRag.Api.Endpoints;

/// <summary>
/// Endpoint metadata: the JSON body of this endpoint is read into memory only up to
/// <see cref="ApiOptions.MaxJsonBodyBytes"/>, and a larger one is a 413 naming that setting, before any JSON is parsed;
/// a charset no encoding answers to is a 415 (the JSON reader would throw on it).
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

        RequireKnownCharset(context.Request.ContentType);
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

    private static void RequireKnownCharset(string? contentType)
    {
        if (!MediaTypeHeaderValue.TryParse(contentType, out var mediaType) || StringSegment.IsNullOrEmpty(mediaType.Charset))
        {
            return;
        }

        try
        {
            _ = Encoding.GetEncoding(mediaType.Charset.Value!);
        }
        catch (ArgumentException)
        {
            throw new BadHttpRequestException(
                $"The charset '{mediaType.Charset}' of the Content-Type is not one this server knows; send UTF-8 JSON.",
                StatusCodes.Status415UnsupportedMediaType);
        }
    }

    private static RequestLimitException TooLarge(int limit) => new(
        nameof(ApiOptions.MaxJsonBodyBytes), limit, "The JSON body is larger than allowed, in bytes", StatusCodes.Status413PayloadTooLarge);
}
