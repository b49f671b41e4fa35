using System.Security.Claims;

namespace QwenRag.Api.Auth;

public static class ApiPolicies
{
    /// <summary>Search, ask, list: readers and admins.</summary>
    public const string Reader = "reader";

    /// <summary>Ingest, delete, retry, console: admins only.</summary>
    public const string Admin = "admin";

    /// <summary>Whether the caller's key reaches this set (a key without a set list reaches all).</summary>
    public static bool CanAccessSet(this ClaimsPrincipal user, string set)
    {
        var sets = user.FindAll(ApiKeyAuthenticationHandler.SetClaim).Select(claim => claim.Value).ToArray();
        return sets.Length == 0 || sets.Contains(set, StringComparer.Ordinal);
    }
}
