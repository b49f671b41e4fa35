using System.Net;

namespace QwenRag.Api.Auth;

/// <summary>
/// Without API keys the service answers anyone who can reach it, so it may only listen on loopback. Checked on the
/// addresses the server actually bound (<see cref="LoopbackStartupCheck"/>), whichever way they were configured, and
/// per connection (<see cref="LoopbackConnections"/>) so that nothing is answered before that check stops the host.
/// </summary>
public static class LoopbackGuard
{
    /// <exception cref="InvalidOperationException">Some address is not loopback and no keys are configured.</exception>
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

    /// <summary>
    /// Whether a listening URL is on loopback only: <c>localhost</c>, <c>127.x.x.x</c> or <c>[::1]</c>. Wildcards
    /// (<c>0.0.0.0</c>, <c>[::]</c>, <c>*</c>, <c>+</c>) and any other host name (Kestrel binds those to every
    /// interface) are not; nor are Unix sockets and named pipes, which the guard does not know how to judge.
    /// </summary>
    public static bool IsLoopback(string url)
    {
        var host = url.Split("://", 2) is [_, var rest] ? rest : url;
        host = host.Split('/', 2)[0];
        if (host.StartsWith('['))
        {
            var end = host.IndexOf(']', StringComparison.Ordinal);
            host = end > 0 ? host[1..end] : host;
        }
        else
        {
            host = host.Split(':')[0];
        }

        return host.Equals("localhost", StringComparison.OrdinalIgnoreCase)
            || (IPAddress.TryParse(host, out var address) && IsLoopback(address));
    }

    public static bool IsLoopback(IPAddress? address) =>
        address is not null && IPAddress.IsLoopback(address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address);
}
