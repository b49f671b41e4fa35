using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Net.Http.Headers;
using QwenRag.Api.Features.Upload;
using QwenRag.Api.Problems;
using QwenRag.Core;
using QwenRag.Ingestion.Extraction;
using QwenRag.Ingestion.Pipeline;

namespace QwenRag.Api.Endpoints;

/// <summary>
/// The files of a multipart upload, streamed to temporary files named by GUID (never by the client's name)
/// with every limit enforced while reading: bytes per file, files and parts per request, bytes per form field,
/// part headers. A body that is not well-formed multipart is the client's fault (400); a full disk is a
/// <see cref="StorageFullException"/> with the partial file gone. Temporary files are deleted on dispose.
/// </summary>
internal sealed class MultipartUpload : IAsyncDisposable
{
    // RFC 2046: a boundary is 1 to 70 characters.
    private const int MaxBoundaryLength = 70;
    private const int MaxPartHeaders = 16;
    private const int MaxPartHeaderBytes = 16 * 1024;

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private readonly List<UploadedFile> _files = [];
    private readonly List<string> _tags = [];

    public IReadOnlyList<UploadedFile> Files => _files;

    public IReadOnlyList<string> Tags => _tags;

    public static async Task<MultipartUpload> ReadAsync(
        HttpRequest request, string directory, ApiOptions limits, CancellationToken cancellationToken)
    {
        var boundary = MediaTypeHeaderValue.TryParse(request.ContentType, out var mediaType)
            ? HeaderUtilities.RemoveQuotes(mediaType.Boundary).Value
            : null;
        if (string.IsNullOrEmpty(boundary) || boundary.Length > MaxBoundaryLength)
        {
            throw new MalformedRequestException(
                $"The multipart body needs a boundary of 1 to {MaxBoundaryLength} characters in its Content-Type.");
        }

        Directory.CreateDirectory(directory);
        var upload = new MultipartUpload();
        try
        {
            var reader = new MultipartReader(boundary, request.Body)
            {
                HeadersCountLimit = MaxPartHeaders,
                HeadersLengthLimit = MaxPartHeaderBytes,
            };
            var parts = 0;
            while (await ReadAsync(() => reader.ReadNextSectionAsync(cancellationToken)) is { } section)
            {
                if (++parts > limits.MaxUploadParts)
                {
                    throw new RequestLimitException(
                        nameof(ApiOptions.MaxUploadParts), limits.MaxUploadParts, "The upload has too many multipart parts");
                }

                if (!ContentDispositionHeaderValue.TryParse(section.ContentDisposition, out var disposition))
                {
                    await ReadFieldAsync(section.Body, limits, cancellationToken);
                    continue;
                }

                if (disposition.IsFileDisposition() && disposition.Name.Value == "file")
                {
                    if (upload._files.Count == limits.MaxFilesPerUpload)
                    {
                        throw new RequestLimitException(
                            nameof(ApiOptions.MaxFilesPerUpload), limits.MaxFilesPerUpload, "The upload has too many files");
                    }

                    var name = DocumentNames.Clean(disposition.FileNameStar.Value ?? disposition.FileName.Value);
                    var path = Path.Combine(directory, Guid.NewGuid().ToString("N"));
                    upload._files.Add(new UploadedFile(name, section.ContentType, path));
                    await CopyLimitedAsync(section.Body, path, name, limits.MaxUploadBytes, cancellationToken);
                }
                else
                {
                    var value = await ReadFieldAsync(section.Body, limits, cancellationToken);
                    if (disposition.IsFormDisposition() && disposition.Name.Value == "tags")
                    {
                        upload._tags.AddRange(value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
                    }
                }
            }
        }
        catch
        {
            await upload.DisposeAsync();
            throw;
        }

        return upload;
    }

    public ValueTask DisposeAsync()
    {
        foreach (var file in _files)
        {
            File.Delete(file.TemporaryPath);
        }

        return ValueTask.CompletedTask;
    }

    /// <summary>A non-file field, read only up to its limit (a huge field never reaches memory).</summary>
    private static async Task<string> ReadFieldAsync(Stream body, ApiOptions limits, CancellationToken cancellationToken)
    {
        var buffer = new byte[limits.MaxFormFieldBytes + 1];
        var length = 0;
        int read;
        while ((read = await ReadAsync(() => body.ReadAsync(buffer.AsMemory(length), cancellationToken).AsTask())) > 0)
        {
            length += read;
            if (length > limits.MaxFormFieldBytes)
            {
                throw new RequestLimitException(
                    nameof(ApiOptions.MaxFormFieldBytes),
                    limits.MaxFormFieldBytes,
                    "A form field of the upload is larger than allowed, in bytes",
                    StatusCodes.Status413PayloadTooLarge);
            }
        }

        try
        {
            return StrictUtf8.GetString(buffer, 0, length);
        }
        catch (DecoderFallbackException ex)
        {
            throw new MalformedRequestException("A form field of the upload is not valid UTF-8.", ex);
        }
    }

    private static async Task CopyLimitedAsync(Stream body, string path, string name, long maxBytes, CancellationToken cancellationToken)
    {
        // Unbuffered, so that a full disk fails the write itself and not a flush while disposing.
        await using var target = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 0, useAsync: true);
        var buffer = new byte[1 << 16];
        long total = 0;
        int read;
        while ((read = await ReadAsync(() => body.ReadAsync(buffer, cancellationToken).AsTask())) > 0)
        {
            total += read;
            if (total > maxBytes)
            {
                throw new DocumentRejectedException(
                    name, DocumentRejectionReason.TooLarge, $"the file is larger than the upload limit of {maxBytes:N0} bytes");
            }

            try
            {
                await target.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
            }
            catch (IOException ex) when (StorageFailures.AsStorageFull(ex) is { } full)
            {
                await target.DisposeAsync();
                File.Delete(path);
                throw full;
            }
        }
    }

    /// <summary>
    /// A read of the request body, where a broken multipart body (truncated, another boundary, bad part headers)
    /// becomes a 400; Kestrel's own request errors keep their status.
    /// </summary>
    private static async Task<T> ReadAsync<T>(Func<Task<T>> read)
    {
        try
        {
            return await read();
        }
        catch (BadHttpRequestException)
        {
            throw;
        }
        catch (Exception ex) when (ex is InvalidDataException or IOException or FormatException)
        {
            throw new MalformedRequestException($"The multipart body could not be read: {ex.Message}", ex);
        }
    }
}
