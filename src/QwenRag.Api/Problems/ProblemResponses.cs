using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.WebUtilities;

namespace QwenRag.Api.Problems;

/// <summary>
/// Writes problem documents whatever the request's Accept header says (a streaming client asks for
/// text/event-stream, and the default writer would then answer with an empty body), and gives the
/// framework's own problems (401, 403, 415, malformed JSON) a detail a person can act on.
/// </summary>
public static class ProblemResponses
{
    public static Task WriteAsync(HttpContext httpContext, ProblemDetails problem)
    {
        problem.Detail ??= DetailFor(problem.Status ?? httpContext.Response.StatusCode);
        problem.Extensions["traceId"] = httpContext.TraceIdentifier;
        return TypedResults.Problem(problem).ExecuteAsync(httpContext);
    }

    public static Task WriteStatusAsync(HttpContext httpContext)
    {
        var status = httpContext.Response.StatusCode;
        return WriteAsync(httpContext, new ProblemDetails { Status = status, Title = ReasonPhrases.GetReasonPhrase(status) });
    }

    public static string? DetailFor(int status) => status switch
    {
        StatusCodes.Status400BadRequest => "The request could not be read: check that the body is well-formed JSON with the documented fields.",
        StatusCodes.Status401Unauthorized => "Send a valid API key in the X-Api-Key header or as 'Authorization: Bearer KEY'.",
        StatusCodes.Status403Forbidden => "This API key's role does not allow this operation.",
        StatusCodes.Status404NotFound => "No such resource.",
        StatusCodes.Status405MethodNotAllowed => "This endpoint does not accept that HTTP method.",
        StatusCodes.Status415UnsupportedMediaType => "Send JSON with 'Content-Type: application/json' (uploads: multipart/form-data).",
        _ => null,
    };
}
