using Mediator;
using QwenRag.Ingestion.Catalog;

namespace QwenRag.Api.Features.Sets;

/// <summary>The sets, limited to <paramref name="Visible"/> when the caller's key is limited to some sets.</summary>
public sealed record ListSets(IReadOnlyCollection<string>? Visible) : IRequest<SetsResponse>;

public sealed record SetsResponse(IReadOnlyList<SetSummary> Sets);

public sealed class ListSetsHandler(IDocumentCatalog catalog) : IRequestHandler<ListSets, SetsResponse>
{
    public ValueTask<SetsResponse> Handle(ListSets request, CancellationToken cancellationToken) =>
        ValueTask.FromResult(new SetsResponse(catalog.ListSets()
            .Where(set => request.Visible is null || request.Visible.Contains(set.Name))
            .ToArray()));
}
