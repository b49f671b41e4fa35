using FluentValidation;
using Mediator;
using QwenRag.Ingestion.Jobs;

namespace QwenRag.Api.Features.Jobs;

public sealed record ListJobs(string? Set, JobStatus? Status, int Limit) : IRequest<JobsResponse>;

public sealed class ListJobsValidator : AbstractValidator<ListJobs>
{
    public ListJobsValidator()
    {
        RuleFor(request => request.Set!).ValidSetName().When(request => request.Set is not null);
        RuleFor(request => request.Limit).InclusiveBetween(1, 1000);
    }
}

public sealed class ListJobsHandler(IngestionJobQueue queue) : IRequestHandler<ListJobs, JobsResponse>
{
    public ValueTask<JobsResponse> Handle(ListJobs request, CancellationToken cancellationToken) =>
        ValueTask.FromResult(new JobsResponse(
            queue.List(request.Set, request.Status, request.Limit).Select(JobResponse.From).ToArray()));
}
