using Mediator;
using Microsoft.Extensions.Options;
using QwenRag.Api.Features.Jobs;
using QwenRag.Ingestion.Extraction;
using QwenRag.Ingestion.Jobs;

namespace QwenRag.Api.Features.Upload;

/// <summary>
/// Queues one ingestion job per file. Every file is checked first (type by name, then its first bytes against that
/// type, and that it is not empty), so one bad file (415, 400) queues nothing.
/// </summary>
public sealed class UploadDocumentsHandler(IngestionJobQueue queue, DocumentExtractors extractors, IOptions<ApiOptions> options)
    : IRequestHandler<UploadDocuments, UploadResponse>
{
    public async ValueTask<UploadResponse> Handle(UploadDocuments request, CancellationToken cancellationToken)
    {
        foreach (var file in request.Files)
        {
            var extractor = extractors.Resolve(file.Name, file.ContentType);
            await using var head = File.OpenRead(file.TemporaryPath);
            FileSignatures.Verify(extractor, file.Name, head);
        }

        var jobs = new List<QueuedJob>();
        foreach (var file in request.Files)
        {
            await using var content = File.OpenRead(file.TemporaryPath);
            var job = await queue.EnqueueAsync(
                request.Set, file.Name, content, file.ContentType, request.Tags, options.Value.MaxUploadBytes, cancellationToken);
            jobs.Add(QueuedJob.From(JobResponse.From(job)));
        }

        return new UploadResponse(jobs);
    }
}
