using System.Security.Claims;
using Mediator;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using QwenRag.Api.Auth;
using QwenRag.Api.Features.Me;

namespace QwenRag.Api.Endpoints;

public static class MeApi
{
    public static IEndpointRouteBuilder MapMeApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/v1/me", GetAsync)
            .RequireAuthorization(ApiPolicies.Reader)
            .WithTags("Auth")
            .WithName("GetMe")
            .WithSummary("The caller's role (admin, reader, or open without keys) and the sets its key is limited to")
            .Produces<MeResponse>()
            .ProducesProblem(StatusCodes.Status401Unauthorized);
        return app;
    }

    private static async Task<Ok<MeResponse>> GetAsync(ClaimsPrincipal user, IMediator mediator, CancellationToken cancellationToken) =>
        TypedResults.Ok(await mediator.Send(new GetMe(user), cancellationToken));
}
