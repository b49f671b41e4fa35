using System.Diagnostics;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using QwenRag.Core;
using QwenRag.Core.Telemetry;
using QwenRag.Ingestion.Catalog;
using QwenRag.Retrieval;
using QwenRag.Retrieval.Answering;
using QwenRag.Retrieval.Fusion;

namespace QwenRag.Hosting;

/// <summary>
/// Search and ask over a set: what the CLI, the REST API and the Semantic Kernel plugin all call. A set embedded with
/// another model than the queries' is refused (<see cref="EmbeddingModelMismatchException"/>), never searched.
/// </summary>
public sealed class QueryService(
    HybridRetriever retriever,
    IAnswerGenerator answerer,
    IDocumentCatalog catalog,
    [FromKeyedServices(RetrievalServices.QueryEmbeddings)] IEmbeddingGenerator<string, Embedding<float>> queryEmbeddings)
{
    private readonly string _model = RetrievalServices.ModelOf(queryEmbeddings).Name;

    public string GeneratorName => answerer.Name;

    public async Task<SearchResponse> SearchAsync(
        SearchFilter filter, string query, int top, CancellationToken cancellationToken = default)
    {
        using var activity = QwenRagTelemetry.ActivitySource.StartActivity(QwenRagTelemetry.SearchSpan)
            ?.SetTag(QwenRagTelemetry.SetTag, filter.Set)
            .SetTag(QwenRagTelemetry.TopTag, top);
        var started = Stopwatch.GetTimestamp();
        try
        {
            catalog.RequireSet(filter.Set);
            catalog.RequireEmbeddingModel(filter.Set, _model);
            var hits = await retriever.SearchAsync(query, top, filter, cancellationToken);
            activity?.SetTag(QwenRagTelemetry.HitsTag, hits.Count);
            return new SearchResponse(hits.Select(SearchResult.From).ToArray(), retriever.RerankerId);
        }
        catch (Exception ex)
        {
            activity.RecordFailure(ex);
            throw;
        }
        finally
        {
            QwenRagTelemetry.SearchDuration.Record(Stopwatch.GetElapsedTime(started).TotalSeconds);
        }
    }

    public async IAsyncEnumerable<AnswerUpdate> AskStreamingAsync(
        string set,
        string question,
        int top = QueryLimits.DefaultAskTop,
        AnswerOptions? options = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        // An iterator cannot yield inside try/catch, so the span and the duration are closed in finally; a failure
        // marks the span through the flag the enumeration leaves unset.
        using var activity = QwenRagTelemetry.ActivitySource.StartActivity(QwenRagTelemetry.AskSpan)
            ?.SetTag(QwenRagTelemetry.SetTag, set)
            .SetTag(QwenRagTelemetry.TopTag, top)
            .SetTag(QwenRagTelemetry.GeneratorTag, answerer.Name);
        var started = Stopwatch.GetTimestamp();
        var completed = false;
        try
        {
            catalog.RequireSet(set);
            catalog.RequireEmbeddingModel(set, _model);
            var sources = await retriever.SearchAsync(question, top, new SearchFilter(set), cancellationToken);

            // Started before the first update is asked for, so that the chat client's span (opened on that first
            // call) is its child; the updates after it run in the caller's context.
            using var generation = QwenRagTelemetry.ActivitySource.StartActivity(QwenRagTelemetry.GenerateSpan);
            await foreach (var update in answerer.AnswerAsync(question, sources, options, cancellationToken))
            {
                yield return update;
            }

            completed = true;
        }
        finally
        {
            if (!completed)
            {
                activity?.SetStatus(ActivityStatusCode.Error, cancellationToken.IsCancellationRequested ? "cancelled" : "failed");
            }

            QwenRagTelemetry.AskDuration.Record(Stopwatch.GetElapsedTime(started).TotalSeconds);
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
