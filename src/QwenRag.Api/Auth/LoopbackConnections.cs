using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;
using QwenRag.Api.Problems;

namespace QwenRag.Api.Auth;

/// <summary>
/// Without API keys, answers a request that reached a non-loopback local address with 403 and nothing else: the
/// server may be bound beyond loopback for the moment between binding and <see cref="LoopbackStartupCheck"/>
/// stopping it, and nothing may be served in that moment.
/// </summary>
public sealed class LoopbackConnections(RequestDelegate next, IOptions<AuthOptions> auth)
{
    public const string Detail =
        "This server has no API keys configured, so it answers on loopback (127.0.0.1, [::1]) only.";

    public async Task InvokeAsync(HttpContext context)
    {
        if (auth.Value.Enabled || LoopbackGuard.IsLoopback(context.Connection.LocalIpAddress))
        {
            await next(context);
            return;
        }

        context.Response.StatusCode = StatusCodes.Status403Forbidden;
        context.Response.Headers.Connection = "close";
        await ProblemResponses.WriteAsync(
            context, new Microsoft.AspNetCore.Mvc.ProblemDetails { Status = StatusCodes.Status403Forbidden, Title = "Forbidden", Detail = Detail });
    }
}
