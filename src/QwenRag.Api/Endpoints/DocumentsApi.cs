using Mediator;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Options;
using QwenRag.Api.Auth;
using QwenRag.Api.Features.Documents;
using QwenRag.Api.Features.Upload;
using QwenRag.Core;

namespace QwenRag.Api.Endpoints;

public static class DocumentsApi
{
    public static IEndpointRouteBuilder MapDocumentsApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/v1/sets/{set}/documents")
            .AddEndpointFilter<SetAccessFilter>()
            .WithTags("Documents");
        group.MapPost("/", UploadAsync)
            .RequireAuthorization(ApiPolicies.Admin)
            .WithName("UploadDocuments")
            .WithSummary("Upload one or more files (multipart 'file' parts); each becomes an ingestion job")
            .Accepts<IFormFile>("multipart/form-data")
            .Produces<UploadResponse>(StatusCodes.Status202Accepted)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
            .ProducesProblem(StatusCodes.Status507InsufficientStorage)
            .DisableAntiforgery();
        group.MapGet("/", ListAsync)
            .RequireAuthorization(ApiPolicies.Reader)
            .WithName("ListDocuments")
            .WithSummary("The documents of a set: pages, chunks, status, time ingested");
        group.MapDelete("/{id}", DeleteAsync)
            .RequireAuthorization(ApiPolicies.Admin)
            .WithName("DeleteDocument")
            .WithSummary("Delete a document from every index");
        group.MapPost("/{id}/reindex", ReindexAsync)
            .RequireAuthorization(ApiPolicies.Admin)
            .WithName("ReindexDocument")
            .WithSummary("Re-ingest a document from its kept original (synchronously); answers with the document")
            .Produces<DocumentResponse>()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);
        return app;
    }

    private static async Task<Ok<DocumentsResponse>> ListAsync(string set, IMediator mediator, CancellationToken cancellationToken) =>
        TypedResults.Ok(await mediator.Send(new ListDocuments(set), cancellationToken));

    private static async Task<NoContent> DeleteAsync(string set, string id, IMediator mediator, CancellationToken cancellationToken)
    {
        await mediator.Send(new DeleteDocument(set, id), cancellationToken);
        return TypedResults.NoContent();
    }

    private static async Task<Ok<DocumentResponse>> ReindexAsync(
        string set, string id, IMediator mediator, CancellationToken cancellationToken) =>
        TypedResults.Ok(await mediator.Send(new ReindexDocument(set, id), cancellationToken));

    private static async Task<IResult> UploadAsync(
        string set,
        HttpContext http,
        IMediator mediator,
        DataDirectory data,
        IOptions<ApiOptions> options,
        CancellationToken cancellationToken)
    {
        if (!http.Request.HasFormContentType
            || !http.Request.ContentType!.StartsWith("multipart/form-data", StringComparison.OrdinalIgnoreCase))
        {
            return TypedResults.Problem(
                statusCode: StatusCodes.Status415UnsupportedMediaType,
                title: "Unsupported media type",
                detail: "Upload files as multipart/form-data with one part named 'file' per file.");
        }

        // Each file is limited on its own while it streams; the request as a whole may carry many.
        http.Features.Get<IHttpMaxRequestBodySizeFeature>()?.MaxRequestBodySize = null;
        await using var upload = await MultipartUpload.ReadAsync(
            http.Request, Path.Combine(data.UploadsPath, "incoming"), options.Value, cancellationToken);
        var response = await mediator.Send(new UploadDocuments(set, upload.Files, upload.Tags), cancellationToken);
        return TypedResults.Accepted((string?)null, response);
    }
}
