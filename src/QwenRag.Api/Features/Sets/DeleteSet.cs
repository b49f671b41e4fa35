using FluentValidation;
using Mediator;
using QwenRag.Ingestion.Catalog;
using QwenRag.Ingestion.Pipeline;

namespace QwenRag.Api.Features.Sets;

/// <summary>Deletes every document of a set from every index, and their kept originals; an unknown set is a 404.</summary>
public sealed record DeleteSet(string Set) : IRequest<Unit>;

public sealed class DeleteSetValidator : AbstractValidator<DeleteSet>
{
    public DeleteSetValidator() => RuleFor(request => request.Set).ValidSetName();
}

public sealed class DeleteSetHandler(IDocumentCatalog catalog, DocumentIngestor ingestor) : IRequestHandler<DeleteSet, Unit>
{
    public async ValueTask<Unit> Handle(DeleteSet request, CancellationToken cancellationToken)
    {
        catalog.RequireSet(request.Set);
        await ingestor.DeleteSetAsync(request.Set, cancellationToken);
        return Unit.Value;
    }
}
