using FluentValidation;
using Mediator;
using QwenRag.Api.Problems;
using QwenRag.Ingestion.Catalog;
using QwenRag.Ingestion.Extraction;
using QwenRag.Ingestion.Pipeline;

namespace QwenRag.Api.Features.Documents;

/// <summary>
/// Re-ingests a document from its kept original, synchronously: the answer is the document as it is afterwards.
/// An original that is gone or no longer accepted removes the document (409 with the reason).
/// </summary>
public sealed record ReindexDocument(string Set, string Id) : IRequest<DocumentResponse>;

public sealed class ReindexDocumentValidator : AbstractValidator<ReindexDocument>
{
    public ReindexDocumentValidator()
    {
        RuleFor(request => request.Set).ValidSetName();
        RuleFor(request => request.Id).NotEmpty().MaximumLength(64);
    }
}

public sealed class ReindexDocumentHandler(IDocumentCatalog catalog, DocumentIngestor ingestor)
    : IRequestHandler<ReindexDocument, DocumentResponse>
{
    public async ValueTask<DocumentResponse> Handle(ReindexDocument request, CancellationToken cancellationToken)
    {
        catalog.RequireSet(request.Set);
        var outcome = await ingestor.ReindexDocumentAsync(request.Set, request.Id, cancellationToken: cancellationToken)
            ?? throw new NotFoundException($"Set '{request.Set}' has no document '{request.Id}'.");
        if (!outcome.Succeeded)
        {
            if (outcome.Cause is { } cause && !(cause is DocumentRejectedException or FileNotFoundException or DirectoryNotFoundException))
            {
                // A passing failure (a full disk, an unreachable store): its own problem status, the document kept.
                throw cause;
            }

            throw new ConflictException(outcome.Error ?? $"Document '{request.Id}' could not be re-indexed.");
        }

        var entry = catalog.Find(request.Set, request.Id)
            ?? throw new NotFoundException($"Set '{request.Set}' has no document '{request.Id}'.");
        return DocumentResponse.From(entry);
    }
}
