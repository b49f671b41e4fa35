using System.Security.Claims;
using Mediator;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using QwenRag.Api.Auth;
using QwenRag.Api.Features.Sets;

namespace QwenRag.Api.Endpoints;

public static class SetsApi
{
    public static IEndpointRouteBuilder MapSetsApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/v1/sets", ListAsync)
            .RequireAuthorization(ApiPolicies.Reader)
            .WithTags("Sets")
            .WithName("ListSets")
            .WithSummary("The document sets with their document, page and chunk counts");
        return app;
    }

    private static async Task<Ok<SetsResponse>> ListAsync(ClaimsPrincipal user, IMediator mediator, CancellationToken cancellationToken)
    {
        var limited = user.FindAll(ApiKeyAuthenticationHandler.SetClaim).Select(claim => claim.Value).ToArray();
        return TypedResults.Ok(await mediator.Send(new ListSets(limited.Length == 0 ? null : limited), cancellationToken));
    }
}
