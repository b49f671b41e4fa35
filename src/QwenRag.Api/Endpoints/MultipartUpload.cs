using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Net.Http.Headers;
using QwenRag.Api.Features.Upload;
using QwenRag.Ingestion.Extraction;
using QwenRag.Ingestion.Pipeline;

namespace QwenRag.Api.Endpoints;

/// <summary>
/// The files of a multipart upload, streamed to temporary files named by GUID (never by the client's name)
/// with the size limit enforced while reading; deleted on dispose.
/// </summary>
internal sealed class MultipartUpload : IAsyncDisposable
{
    private readonly List<UploadedFile> _files = [];
    private readonly List<string> _tags = [];

    public IReadOnlyList<UploadedFile> Files => _files;

    public IReadOnlyList<string> Tags => _tags;

    public static async Task<MultipartUpload> ReadAsync(
        HttpRequest request, string directory, long maxBytes, CancellationToken cancellationToken)
    {
        var boundary = HeaderUtilities.RemoveQuotes(MediaTypeHeaderValue.Parse(request.ContentType).Boundary).Value;
        if (string.IsNullOrEmpty(boundary))
        {
            throw new BadHttpRequestException("The multipart body has no boundary.");
        }

        Directory.CreateDirectory(directory);
        var upload = new MultipartUpload();
        try
        {
            var reader = new MultipartReader(boundary, request.Body);
            while (await reader.ReadNextSectionAsync(cancellationToken) is { } section)
            {
                if (!ContentDispositionHeaderValue.TryParse(section.ContentDisposition, out var disposition))
                {
                    continue;
                }

                if (disposition.IsFileDisposition() && disposition.Name.Value == "file")
                {
                    var name = DocumentNames.Clean(disposition.FileNameStar.Value ?? disposition.FileName.Value);
                    var path = Path.Combine(directory, Guid.NewGuid().ToString("N"));
                    upload._files.Add(new UploadedFile(name, section.ContentType, path));
                    await CopyLimitedAsync(section.Body, path, name, maxBytes, cancellationToken);
                }
                else if (disposition.IsFormDisposition() && disposition.Name.Value == "tags")
                {
                    using var text = new StreamReader(section.Body, Encoding.UTF8);
                    var value = (await text.ReadToEndAsync(cancellationToken)).Trim();
                    upload._tags.AddRange(value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
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

    private static async Task CopyLimitedAsync(Stream body, string path, string name, long maxBytes, CancellationToken cancellationToken)
    {
        await using var target = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true);
        var buffer = new byte[1 << 16];
        long total = 0;
        int read;
        while ((read = await body.ReadAsync(buffer, cancellationToken)) > 0)
        {
            total += read;
            if (total > maxBytes)
            {
                throw new DocumentRejectedException(
                    name, DocumentRejectionReason.TooLarge, $"the file is larger than the upload limit of {maxBytes:N0} bytes");
            }

            await target.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
        }
    }
}
