using Microsoft.Extensions.AI;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using QwenRag.Core;
using QwenRag.Generation.Answering;
using QwenRag.Ingestion.Catalog;

namespace QwenRag.Api;

/// <summary>
/// Ready when the database answers and the embedding model is loaded (the first check loads it); the description
/// also says what answers questions and, for a Qwen model, where it runs and how many requests it holds.
/// </summary>
public sealed class ReadinessCheck(
    DocumentCatalog catalog, IEmbeddingGenerator<string, Embedding<float>> embeddings, IAnswerGenerator answerer) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            var sets = catalog.ListSets();
            _ = embeddings.GetService(typeof(EmbeddingGeneratorMetadata));
            var answers = answerer is QwenAnswerGenerator qwen
                ? $"qwen on {qwen.Device}, {qwen.RunningGenerations} running, {qwen.WaitingRequests} waiting"
                : answerer.Name;
            return Task.FromResult(HealthCheckResult.Healthy($"{sets.Count} sets; answers: {answers}"));
        }
        catch (Exception ex)
        {
            return Task.FromResult(HealthCheckResult.Unhealthy("The database or the embedding model is not available.", ex));
        }
    }
}
