using System.Security.Claims;
using Mediator;
using Microsoft.Extensions.Options;
using QwenRag.Api.Auth;

namespace QwenRag.Api.Features.Me;

/// <summary>The role and set limit of the caller's key; <c>open</c> when the API runs without keys.</summary>
public sealed record GetMe(ClaimsPrincipal User) : IRequest<MeResponse>;

public sealed class GetMeHandler(IOptions<AuthOptions> auth) : IRequestHandler<GetMe, MeResponse>
{
    public const string OpenRole = "open";

    public ValueTask<MeResponse> Handle(GetMe request, CancellationToken cancellationToken)
    {
        if (!auth.Value.Enabled)
        {
            return ValueTask.FromResult(new MeResponse(OpenRole, null));
        }

        var role = request.User.IsInRole(ApiPolicies.Admin) ? ApiPolicies.Admin : ApiPolicies.Reader;
        var sets = request.User.FindAll(ApiKeyAuthenticationHandler.SetClaim).Select(claim => claim.Value).ToArray();
        return ValueTask.FromResult(new MeResponse(role, sets.Length == 0 ? null : sets));
    }
}
