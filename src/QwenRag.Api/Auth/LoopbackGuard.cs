using System.Net;

namespace QwenRag.Api.Auth;

/// <summary>Without API keys the service answers anyone who can reach it, so it may only listen on loopback.</summary>
public static class LoopbackGuard
{
    public static void Check(IEnumerable<string> urls, AuthOptions auth)
    {
        if (auth.Enabled)
        {
            return;
        }

        var exposed = urls.Where(url => !IsLoopback(url)).ToArray();
        if (exposed.Length > 0)
        {
            throw new InvalidOperationException(
                $"Refusing to listen on {string.Join(", ", exposed)} without API keys: anyone who can reach it could " +
                "read and delete every document. Configure QwenRag:Auth:Keys (e.g. QwenRag__Auth__Keys__0__Key and " +
                "QwenRag__Auth__Keys__0__Role=admin), or listen on 127.0.0.1 / localhost only.");
        }
    }

    private static bool IsLoopback(string url)
    {
        var host = url.Split("://", 2) is [_, var rest] ? rest : url;
        host = host.Split('/', 2)[0];
        host = host.StartsWith('[') ? host[1..host.IndexOf(']')] : host.Split(':')[0];
        return host.Equals("localhost", StringComparison.OrdinalIgnoreCase)
            || (IPAddress.TryParse(host, out var address) && IPAddress.IsLoopback(address));
    }
}
