using FluentValidation;
using Mediator;
using QwenRag.Ingestion.Catalog;

namespace QwenRag.Api.Features.Documents;

public sealed record ListDocuments(string Set) : IRequest<DocumentsResponse>;

public sealed class ListDocumentsValidator : AbstractValidator<ListDocuments>
{
    public ListDocumentsValidator() => RuleFor(request => request.Set).ValidSetName();
}

public sealed class ListDocumentsHandler(IDocumentCatalog catalog) : IRequestHandler<ListDocuments, DocumentsResponse>
{
    public ValueTask<DocumentsResponse> Handle(ListDocuments request, CancellationToken cancellationToken)
    {
        catalog.RequireSet(request.Set);
        return ValueTask.FromResult(new DocumentsResponse(catalog.List(request.Set).Select(DocumentResponse.From).ToArray()));
    }
}
