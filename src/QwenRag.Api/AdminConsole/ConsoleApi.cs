using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace QwenRag.Api.AdminConsole;

/// <summary>
/// The admin console at <c>/admin</c>: static HTML, CSS and JavaScript embedded in this assembly. The files need no
/// key (the console's data calls to <c>/v1</c> do); every response carries a strict Content-Security-Policy.
/// </summary>
public static class ConsoleApi
{
    public const string Path = "/admin";

    public const string ContentSecurityPolicy =
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
        "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'";

    public static IEndpointRouteBuilder MapConsole(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup(Path)
            .AllowAnonymous()
            .ExcludeFromDescription()
            .AddEndpointFilter(async (context, next) =>
            {
                AddHeaders(context.HttpContext.Response);
                return await next(context);
            });
        group.MapGet("/", () => Serve("index.html"));
        group.MapGet("/{file}", (string file) => Serve(file));
        return app;
    }

    public static void AddHeaders(HttpResponse response)
    {
        response.Headers.ContentSecurityPolicy = ContentSecurityPolicy;
        response.Headers.XContentTypeOptions = "nosniff";
        response.Headers["Referrer-Policy"] = "no-referrer";
        response.Headers.XFrameOptions = "DENY";
        response.Headers.CacheControl = "no-cache";
    }

    private static IResult Serve(string file)
    {
        var asset = ConsoleAssets.Find(file);
        return asset is null
            ? TypedResults.NotFound()
            : TypedResults.Bytes(asset.Content, asset.ContentType);
    }
}
