using System.Security.Claims;
using Mediator;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using QwenRag.Api.Auth;
using QwenRag.Api.Features.Jobs;

namespace QwenRag.Api.Endpoints;

public static class JobsApi
{
    public static IEndpointRouteBuilder MapJobsApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/v1/jobs").WithTags("Jobs");
        group.MapGet("/{id}", GetAsync)
            .RequireAuthorization(ApiPolicies.Reader)
            .WithName("GetJob")
            .WithSummary("An ingestion job's status and progress")
            .Produces<JobResponse>();
        group.MapPost("/{id}/retry", RetryAsync)
            .RequireAuthorization(ApiPolicies.Admin)
            .WithName("RetryJob")
            .WithSummary("Queue a failed job again")
            .Produces<JobResponse>(StatusCodes.Status202Accepted);
        group.MapGet("/", ListAsync)
            .RequireAuthorization(ApiPolicies.Reader)
            .WithName("ListJobs")
            .WithSummary("Recent jobs, newest first, optionally of one set and status")
            .Produces<JobsResponse>();
        return app;
    }

    private static async Task<IResult> GetAsync(string id, ClaimsPrincipal user, IMediator mediator, CancellationToken cancellationToken)
    {
        var job = await mediator.Send(new GetJob(id), cancellationToken);
        return user.CanAccessSet(job.Set) ? TypedResults.Ok(job) : SetAccessFilter.Forbidden(job.Set);
    }

    private static async Task<IResult> RetryAsync(string id, ClaimsPrincipal user, IMediator mediator, CancellationToken cancellationToken)
    {
        var job = await mediator.Send(new GetJob(id), cancellationToken);
        if (!user.CanAccessSet(job.Set))
        {
            return SetAccessFilter.Forbidden(job.Set);
        }

        return TypedResults.Accepted($"/v1/jobs/{id}", await mediator.Send(new RetryJob(id), cancellationToken));
    }

    private static async Task<IResult> ListAsync(
        ClaimsPrincipal user, IMediator mediator, CancellationToken cancellationToken, string? set = null, string? status = null, int limit = 100)
    {
        if (set is not null && !user.CanAccessSet(set))
        {
            return SetAccessFilter.Forbidden(set);
        }

        var jobs = await mediator.Send(new ListJobs(set, status, limit), cancellationToken);
        return TypedResults.Ok(jobs with { Jobs = jobs.Jobs.Where(job => user.CanAccessSet(job.Set)).ToArray() });
    }
}
