using Mediator;
using QwenRag.Core;
using QwenRag.Hosting;

namespace QwenRag.Api.Features.Search;

public sealed class SearchDocumentsHandler(QueryService query) : IRequestHandler<SearchDocuments, SearchResponse>
{
    public async ValueTask<SearchResponse> Handle(SearchDocuments request, CancellationToken cancellationToken)
    {
        var filter = new SearchFilter(request.Set) { DocumentIds = request.Documents, Tags = request.Tags };
        return await query.SearchAsync(filter, request.Query!, request.Top, cancellationToken);
    }
}
