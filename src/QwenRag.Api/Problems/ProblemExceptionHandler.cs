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
            _ => null,
        };
        if (problem is null)
        {
            return false;
        }

        httpContext.Response.StatusCode = problem.Status!.Value;
        await ProblemResponses.WriteAsync(httpContext, problem);
        return true;
    }

    private static ProblemDetails Problem(int status, string title, string detail) =>
        new() { Status = status, Title = title, Detail = detail };

    private static Dictionary<string, string[]> Errors(ValidationException validation) =>
        validation.Errors
            .GroupBy(error => JsonNamingPolicy.CamelCase.ConvertName(error.PropertyName))
            .ToDictionary(group => group.Key, group => group.Select(error => error.ErrorMessage).Distinct().ToArray());
}
