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
        app.MapDelete("/v1/sets/{set}", DeleteAsync)
            .RequireAuthorization(ApiPolicies.Admin)
            .AddEndpointFilter<SetAccessFilter>()
            .WithTags("Sets")
            .WithName("DeleteSet")
            .WithSummary("Delete a set: every document of it leaves every index, and its kept originals are removed")
            .Produces(StatusCodes.Status204NoContent)
            .ProducesProblem(StatusCodes.Status404NotFound);
        return app;
    }

    private static async Task<Ok<SetsResponse>> ListAsync(ClaimsPrincipal user, IMediator mediator, CancellationToken cancellationToken)
    {
        var limited = user.FindAll(ApiKeyAuthenticationHandler.SetClaim).Select(claim => claim.Value).ToArray();
        return TypedResults.Ok(await mediator.Send(new ListSets(limited.Length == 0 ? null : limited), cancellationToken));
    }

    private static async Task<NoContent> DeleteAsync(string set, IMediator mediator, CancellationToken cancellationToken)
    {
        await mediator.Send(new DeleteSet(set), cancellationToken);
        return TypedResults.NoContent();
    }
}
