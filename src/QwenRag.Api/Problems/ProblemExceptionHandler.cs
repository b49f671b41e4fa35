using System.Text.Json;
using FluentValidation;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Logging;
using QwenRag.Core;
using QwenRag.Ingestion.Extraction;

namespace QwenRag.Api.Problems;

/// <summary>
/// Turns the failures callers can cause into RFC 7807 problem documents with the right status; a full disk is a 507,
/// a vector store or catalog database outage or a failing reranker a 503 (a refusal by the vector store a 502), and anything else is a 500 that still answers with a problem (and is logged, being a bug).
/// </summary>
public sealed partial class ProblemExceptionHandler(ILogger<ProblemExceptionHandler> logger) : IExceptionHandler
{
    /// <summary>
    /// The <c>Retry-After</c> of a 429 (model busy), in seconds: a hint, not a promise. An answer takes seconds to
    /// generate, so a client that pauses this long gives the queue time to move instead of hammering it.
    /// </summary>
    public const int ModelBusyRetryAfterSeconds = 2;

    // ASP.NET Core fills in the type of the common statuses only; 429 is defined by RFC 6585.
    private const string TooManyRequestsType = "https://tools.ietf.org/html/rfc6585#section-4";

    // 507 is defined by WebDAV (RFC 4918), and is what a full volume is.
    private const string InsufficientStorageType = "https://tools.ietf.org/html/rfc4918#section-11.5";

    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        if (exception is OperationCanceledException && httpContext.RequestAborted.IsCancellationRequested)
        {
            return true; // the client left; there is nobody to answer
        }

        var problem = exception switch
        {
            _ when StorageFailures.IsDiskFull(exception) => Problem(
                StatusCodes.Status507InsufficientStorage,
                "Insufficient storage",
                "The server's disk is full, so the upload was not stored and nothing was queued. Try again once space is freed.",
                InsufficientStorageType),
            RequestLimitException limit => Problem(limit.Status, "Request over a limit", limit.Message),
            MalformedRequestException => Problem(StatusCodes.Status400BadRequest, "Malformed request", exception.Message),
            ValidationException validation => new HttpValidationProblemDetails(Errors(validation))
            {
                Status = StatusCodes.Status400BadRequest,
                Title = "One or more fields are invalid.",
            },
            UnknownSetException or NotFoundException => Problem(StatusCodes.Status404NotFound, "Not found", exception.Message),
            ConflictException => Problem(StatusCodes.Status409Conflict, "Conflict", exception.Message),
            EmbeddingModelMismatchException => Problem(StatusCodes.Status409Conflict, "Set embedded with another model", exception.Message),
            DocumentRejectedException { Reason: DocumentRejectionReason.TooLarge } =>
                Problem(StatusCodes.Status413PayloadTooLarge, "File too large", exception.Message),
            DocumentRejectedException { Reason: DocumentRejectionReason.Unsupported } =>
                Problem(StatusCodes.Status415UnsupportedMediaType, "Unsupported document type", exception.Message),
            DocumentRejectedException => Problem(StatusCodes.Status400BadRequest, "Document rejected", exception.Message),
            BadHttpRequestException bad => Problem(bad.StatusCode, "Bad request", bad.Message),
            JsonException => Problem(StatusCodes.Status400BadRequest, "Malformed JSON", exception.Message),
            ModelBusyException => Problem(StatusCodes.Status429TooManyRequests, "Model busy", exception.Message, TooManyRequestsType),
            VectorStoreUnavailableException => Problem(
                StatusCodes.Status503ServiceUnavailable, "Vector store unavailable", exception.Message),
            CatalogUnavailableException => Problem(
                StatusCodes.Status503ServiceUnavailable, "Catalog unavailable", exception.Message),
            RerankingFailedException => Problem(
                StatusCodes.Status503ServiceUnavailable, "Reranker failed", exception.Message),
            VectorStoreException => Problem(StatusCodes.Status502BadGateway, "Vector store refused the request", exception.Message),
            _ => null,
        };
        if (problem is null)
        {
            LogUnexpected(logger, exception, httpContext.Request.Method, httpContext.Request.Path.ToString());
            problem = Problem(
                StatusCodes.Status500InternalServerError,
                "Internal server error",
                "The server failed on this request; it is a bug, and the log has the details under this trace id.");
        }
        else if (problem.Status == StatusCodes.Status507InsufficientStorage)
        {
            LogDiskFull(logger, exception, httpContext.Request.Method, httpContext.Request.Path.ToString());
        }
        else if (exception is CatalogUnavailableException)
        {
            LogCatalog(logger, exception.Message, httpContext.Request.Method, httpContext.Request.Path.ToString());
        }
        else if (exception is RerankingFailedException)
        {
            LogReranker(logger, exception, httpContext.Request.Method, httpContext.Request.Path.ToString());
        }
        else if (problem.Status is StatusCodes.Status502BadGateway or StatusCodes.Status503ServiceUnavailable)
        {
            LogVectorStore(logger, exception, httpContext.Request.Method, httpContext.Request.Path.ToString());
        }

        if (exception is RequestLimitException over)
        {
            problem.Extensions["limit"] = over.Setting;
            problem.Extensions["max"] = over.Limit;
        }

        httpContext.Response.StatusCode = problem.Status!.Value;
        if (exception is ModelBusyException or VectorStoreUnavailableException or CatalogUnavailableException)
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

    [LoggerMessage(Level = LogLevel.Error, Message = "Unexpected failure of {Method} {Path}")]
    private static partial void LogUnexpected(ILogger logger, Exception exception, string method, string path);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The vector store failed while serving {Method} {Path}")]
    private static partial void LogVectorStore(ILogger logger, Exception exception, string method, string path);

    [LoggerMessage(Level = LogLevel.Error, Message = "The reranker failed while serving {Method} {Path}")]
    private static partial void LogReranker(ILogger logger, Exception exception, string method, string path);

    // Without the exception: an outage is one line, not a stack trace per request.
    [LoggerMessage(Level = LogLevel.Warning, Message = "{Reason} (while serving {Method} {Path})")]
    private static partial void LogCatalog(ILogger logger, string reason, string method, string path);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Disk full while serving {Method} {Path}")]
    private static partial void LogDiskFull(ILogger logger, Exception exception, string method, string path);
}
