using Mediator;
using Microsoft.Extensions.Options;
using QwenRag.Api.Features.Jobs;
using QwenRag.Core.Telemetry;
using QwenRag.Ingestion.Extraction;
using QwenRag.Ingestion.Jobs;

namespace QwenRag.Api.Features.Upload;

/// <summary>
/// Queues one ingestion job per file. Every file is checked first (type by name, then its first bytes against that
/// type, and that it is not empty), so one bad file (415, 400) queues nothing; the jobs are then queued all or nothing.
/// </summary>
public sealed class UploadDocumentsHandler(IJobQueue queue, DocumentExtractors extractors, IOptions<ApiOptions> options)
    : IRequestHandler<UploadDocuments, UploadResponse>
{
    public async ValueTask<UploadResponse> Handle(UploadDocuments request, CancellationToken cancellationToken)
    {
        // The queue stores this span's context with each job, so the worker's span continues the upload's trace.
        using var activity = QwenRagTelemetry.ActivitySource.StartActivity(QwenRagTelemetry.UploadSpan)
            ?.SetTag(QwenRagTelemetry.SetTag, request.Set);
        try
        {
            var response = await QueueAsync(request, cancellationToken);
            activity?.SetTag(QwenRagTelemetry.JobIdsTag, response.Jobs.Select(job => job.Id).ToArray());
            return response;
        }
        catch (Exception ex)
        {
            activity.RecordFailure(ex);
            throw;
        }
    }

    private async Task<UploadResponse> QueueAsync(UploadDocuments request, CancellationToken cancellationToken)
    {
        foreach (var file in request.Files)
        {
            var extractor = extractors.Resolve(file.Name, file.ContentType);
            await using var head = File.OpenRead(file.TemporaryPath);
            FileSignatures.Verify(extractor, file.Name, head);
        }

        var contents = new List<FileStream>(request.Files.Count);
        try
        {
            var files = new List<UploadToQueue>(request.Files.Count);
            foreach (var file in request.Files)
            {
                var content = File.OpenRead(file.TemporaryPath);
                contents.Add(content);
                files.Add(new UploadToQueue(file.Name, content, file.ContentType));
            }

            // All or nothing: a full disk while staging the third file leaves the first two unqueued as well.
            var jobs = await queue.EnqueueAsync(request.Set, files, request.Tags, options.Value.MaxUploadBytes, cancellationToken);
            return new UploadResponse([.. jobs.Select(job => QueuedJob.From(JobResponse.From(job)))]);
        }
        finally
        {
            foreach (var content in contents)
            {
                await content.DisposeAsync();
            }
        }
    }
}
