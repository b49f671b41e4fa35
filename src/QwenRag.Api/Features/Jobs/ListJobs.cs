using FluentValidation;
using Mediator;
using QwenRag.Ingestion.Jobs;

namespace QwenRag.Api.Features.Jobs;

public sealed record ListJobs(string? Set, string? Status, int Limit) : IRequest<JobsResponse>
{
    public JobStatus? ParsedStatus => Enum.TryParse<JobStatus>(Status, ignoreCase: true, out var status) ? status : null;
}

public sealed class ListJobsValidator : AbstractValidator<ListJobs>
{
    public ListJobsValidator()
    {
        RuleFor(request => request.Set!).ValidSetName().When(request => request.Set is not null);
        RuleFor(request => request.Limit).InclusiveBetween(1, 1000);
        RuleFor(request => request.Status)
            .Must(status => Enum.TryParse<JobStatus>(status, ignoreCase: true, out _) && !int.TryParse(status, out _))
            .When(request => request.Status is not null)
            .WithMessage("Status is one of queued, running, succeeded, failed.");
    }
}

public sealed class ListJobsHandler(IJobQueue queue) : IRequestHandler<ListJobs, JobsResponse>
{
    public ValueTask<JobsResponse> Handle(ListJobs request, CancellationToken cancellationToken) =>
        ValueTask.FromResult(new JobsResponse(
            queue.List(request.Set, request.ParsedStatus, request.Limit).Select(JobResponse.From).ToArray()));
}
