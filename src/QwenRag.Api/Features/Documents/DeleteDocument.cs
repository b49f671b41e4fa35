using FluentValidation;
using Mediator;
using QwenRag.Api.Problems;
using QwenRag.Ingestion.Catalog;
using QwenRag.Ingestion.Pipeline;

namespace QwenRag.Api.Features.Documents;

public sealed record DeleteDocument(string Set, string Id) : IRequest<Unit>;

public sealed class DeleteDocumentValidator : AbstractValidator<DeleteDocument>
{
    public DeleteDocumentValidator()
    {
        RuleFor(request => request.Set).ValidSetName();
        RuleFor(request => request.Id).NotEmpty().MaximumLength(64);
    }
}

public sealed class DeleteDocumentHandler(IDocumentCatalog catalog, DocumentIngestor ingestor) : IRequestHandler<DeleteDocument, Unit>
{
    public async ValueTask<Unit> Handle(DeleteDocument request, CancellationToken cancellationToken)
    {
        catalog.RequireSet(request.Set);
        if (!await ingestor.DeleteDocumentAsync(request.Set, request.Id, cancellationToken))
        {
            throw new NotFoundException($"Set '{request.Set}' has no document '{request.Id}'.");
        }

        return Unit.Value;
    }
}
