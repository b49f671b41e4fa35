using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace QwenRag.Api.Auth;

/// <summary>
/// Authenticates a key sent in <c>X-Api-Key</c> or <c>Authorization: Bearer</c>. Keys are compared as SHA-256
/// digests with a fixed-time comparison against every configured key, so timing says nothing about how much
/// of a guess was right. With no keys configured, every caller is an admin (loopback only; see LoopbackGuard).
/// </summary>
public sealed class ApiKeyAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    IOptions<AuthOptions> auth)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "ApiKey";
    public const string HeaderName = "X-Api-Key";
    public const string SetClaim = "qwenrag:set";

    private readonly (byte[] Digest, ApiKey Key)[] _keys =
        [.. auth.Value.Keys.Select(key => (SHA256.HashData(Encoding.UTF8.GetBytes(key.Key)), key))];

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (_keys.Length == 0)
        {
            return Task.FromResult(Success(ApiKeyRole.Admin, []));
        }

        var presented = PresentedKey();
        if (presented is null)
        {
            return Task.FromResult(AuthenticateResult.NoResult());
        }

        var digest = SHA256.HashData(Encoding.UTF8.GetBytes(presented));
        ApiKey? match = null;
        foreach (var (candidate, key) in _keys)
        {
            if (CryptographicOperations.FixedTimeEquals(candidate, digest))
            {
                match = key;
            }
        }

        return Task.FromResult(match is null
            ? AuthenticateResult.Fail("Unknown API key.")
            : Success(match.Role, match.Sets));
    }

    protected override Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        Response.Headers.WWWAuthenticate = $"Bearer realm=\"qwenrag\", {HeaderName}";
        return base.HandleChallengeAsync(properties);
    }

    private string? PresentedKey()
    {
        if (Request.Headers.TryGetValue(HeaderName, out var header) && !string.IsNullOrWhiteSpace(header))
        {
            return header.ToString().Trim();
        }

        var authorization = Request.Headers.Authorization.ToString();
        return authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)
            ? authorization["Bearer ".Length..].Trim()
            : null;
    }

    private AuthenticateResult Success(ApiKeyRole role, IEnumerable<string> sets)
    {
        var claims = new List<Claim> { new(ClaimTypes.Role, role.ToString().ToLowerInvariant()) };
        claims.AddRange(sets.Select(set => new Claim(SetClaim, set)));
        var principal = new ClaimsPrincipal(new ClaimsIdentity(claims, SchemeName));
        return AuthenticateResult.Success(new AuthenticationTicket(principal, SchemeName));
    }
}
