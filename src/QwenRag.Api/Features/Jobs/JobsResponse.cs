namespace QwenRag.Api.Features.Jobs;

public sealed record JobsResponse(IReadOnlyList<JobResponse> Jobs);
