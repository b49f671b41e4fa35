using System.Runtime.CompilerServices;
using QwenRag.Core;
using QwenRag.Ingestion.Catalog;
using QwenRag.Retrieval.Answering;
using QwenRag.Retrieval.Fusion;

namespace QwenRag.Hosting;

/// <summary>Search and ask over a set: what the CLI, the REST API and the Semantic Kernel plugin all call.</summary>
public sealed class QueryService(HybridRetriever retriever, IAnswerGenerator answerer, IDocumentCatalog catalog)
{
    public string GeneratorName => answerer.Name;

    public async Task<SearchResponse> SearchAsync(
        SearchFilter filter, string query, int top, CancellationToken cancellationToken = default)
    {
        catalog.RequireSet(filter.Set);
        var hits = await retriever.SearchAsync(query, top, filter, cancellationToken);
        return new SearchResponse(hits.Select(SearchResult.From).ToArray());
    }

    public async IAsyncEnumerable<AnswerUpdate> AskStreamingAsync(
        string set,
        string question,
        int top = QueryLimits.DefaultAskTop,
        AnswerOptions? options = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        catalog.RequireSet(set);
        var sources = await retriever.SearchAsync(question, top, new SearchFilter(set), cancellationToken);
        await foreach (var update in answerer.AnswerAsync(question, sources, options, cancellationToken))
        {
            yield return update;
        }
    }

    public Task<AskResponse> AskAsync(
        string set,
        string question,
        int top = QueryLimits.DefaultAskTop,
        AnswerOptions? options = null,
        CancellationToken cancellationToken = default) =>
        AnswerCollector.CollectAsync(AskStreamingAsync(set, question, top, options, cancellationToken), answerer.Name);
}
