using System.Text.Json;
using FluentValidation;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using QwenRag.Core;
using QwenRag.Ingestion.Extraction;

namespace QwenRag.Api.Problems;

/// <summary>Turns the failures callers can cause into RFC 7807 problem documents with the right status.</summary>
public sealed class ProblemExceptionHandler : IExceptionHandler
{
    /// <summary>
    /// The <c>Retry-After</c> of a 429 (model busy), in seconds: a hint, not a promise. An answer takes seconds to
    /// generate, so a client that pauses this long gives the queue time to move instead of hammering it.
    /// </summary>
    public const int ModelBusyRetryAfterSeconds = 2;

    // ASP.NET Core fills in the type of the common statuses only; 429 is defined by RFC 6585.
    private const string TooManyRequestsType = "https://tools.ietf.org/html/rfc6585#section-4";

    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        if (exception is OperationCanceledException && httpContext.RequestAborted.IsCancellationRequested)
        {
            return true; // the client left; there is nobody to answer
        }

        var problem = exception switch
        {
            ValidationException validation => new HttpValidationProblemDetails(Errors(validation))
            {
                Status = StatusCodes.Status400BadRequest,
                Title = "One or more fields are invalid.",
            },
            UnknownSetException or NotFoundException => Problem(StatusCodes.Status404NotFound, "Not found", exception.Message),
            ConflictException => Problem(StatusCodes.Status409Conflict, "Conflict", exception.Message),
            DocumentRejectedException { Reason: DocumentRejectionReason.TooLarge } =>
                Problem(StatusCodes.Status413PayloadTooLarge, "File too large", exception.Message),
            DocumentRejectedException { Reason: DocumentRejectionReason.Unsupported } =>
                Problem(StatusCodes.Status415UnsupportedMediaType, "Unsupported document type", exception.Message),
            DocumentRejectedException => Problem(StatusCodes.Status400BadRequest, "Document rejected", exception.Message),
            BadHttpRequestException bad => Problem(bad.StatusCode, "Bad request", bad.Message),
            JsonException => Problem(StatusCodes.Status400BadRequest, "Malformed JSON", exception.Message),
            ModelBusyException => Problem(StatusCodes.Status429TooManyRequests, "Model busy", exception.Message, TooManyRequestsType),
            _ => null,
        };
        if (problem is null)
        {
            return false;
        }

        httpContext.Response.StatusCode = problem.Status!.Value;
        if (exception is ModelBusyException)
        {
            httpContext.Response.Headers.RetryAfter = ModelBusyRetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        await ProblemResponses.WriteAsync(httpContext, problem);
        return true;
    }

    private static ProblemDetails Problem(int status, string title, string detail, string? type = null) =>
        new() { Status = status, Title = title, Detail = detail, Type = type };

    private static Dictionary<string, string[]> Errors(ValidationException validation) =>
        validation.Errors
            .GroupBy(error => JsonNamingPolicy.CamelCase.ConvertName(error.PropertyName))
            .ToDictionary(group => group.Key, group => group.Select(error => error.ErrorMessage).Distinct().ToArray());
}
