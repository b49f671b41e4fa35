using Mediator;
using Microsoft.Extensions.Options;
using QwenRag.Api.Features.Jobs;
using QwenRag.Ingestion.Extraction;
using QwenRag.Ingestion.Jobs;

namespace QwenRag.Api.Features.Upload;

/// <summary>Queues one ingestion job per file; every file's type is checked first, so a 415 queues nothing.</summary>
public sealed class UploadDocumentsHandler(IngestionJobQueue queue, DocumentExtractors extractors, IOptions<ApiOptions> options)
    : IRequestHandler<UploadDocuments, UploadResponse>
{
    public async ValueTask<UploadResponse> Handle(UploadDocuments request, CancellationToken cancellationToken)
    {
        foreach (var file in request.Files)
        {
            extractors.Resolve(file.Name, file.ContentType);
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
