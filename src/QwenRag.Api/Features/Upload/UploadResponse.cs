using QwenRag.Api.Features.Jobs;

namespace QwenRag.Api.Features.Upload;

public sealed record UploadResponse(IReadOnlyList<QueuedJob> Jobs);

/// <summary>A job as the upload answers it: which file it is for and that it waits in the queue.</summary>
public sealed record QueuedJob(string Id, string Document, string Status)
{
    public static QueuedJob From(JobResponse job) => new(job.Id, job.Document, job.Status);
}
