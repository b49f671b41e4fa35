using FluentValidation;
using Mediator;
using QwenRag.Api.Problems;
using QwenRag.Ingestion.Jobs;

namespace QwenRag.Api.Features.Jobs;

public sealed record RetryJob(string Id) : IRequest<JobResponse>;

public sealed class RetryJobValidator : AbstractValidator<RetryJob>
{
    public RetryJobValidator() => RuleFor(request => request.Id).NotEmpty().MaximumLength(64);
}

public sealed class RetryJobHandler(IJobQueue queue) : IRequestHandler<RetryJob, JobResponse>
{
    public ValueTask<JobResponse> Handle(RetryJob request, CancellationToken cancellationToken)
    {
        var job = queue.Find(request.Id) ?? throw new NotFoundException($"Job '{request.Id}' does not exist.");
        if (!queue.Retry(job.Id))
        {
            throw new ConflictException($"Job '{job.Id}' is {job.Status.ToString().ToLowerInvariant()}; only failed jobs can be retried.");
        }

        return ValueTask.FromResult(JobResponse.From(queue.Find(job.Id)!));
    }
}
