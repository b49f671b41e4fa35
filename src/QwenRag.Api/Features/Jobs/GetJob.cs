using FluentValidation;
using Mediator;
using QwenRag.Api.Problems;
using QwenRag.Ingestion.Jobs;

namespace QwenRag.Api.Features.Jobs;

public sealed record GetJob(string Id) : IRequest<JobResponse>;

public sealed class GetJobValidator : AbstractValidator<GetJob>
{
    public GetJobValidator() => RuleFor(request => request.Id).NotEmpty().MaximumLength(64);
}

public sealed class GetJobHandler(IJobQueue queue) : IRequestHandler<GetJob, JobResponse>
{
    public ValueTask<JobResponse> Handle(GetJob request, CancellationToken cancellationToken) =>
        ValueTask.FromResult(JobResponse.From(
            queue.Find(request.Id) ?? throw new NotFoundException($"Job '{request.Id}' does not exist.")));
}
