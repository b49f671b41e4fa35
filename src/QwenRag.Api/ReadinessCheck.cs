using Microsoft.Extensions.AI;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using QwenRag.Ingestion.Catalog;

namespace QwenRag.Api;

/// <summary>Ready when the database answers and the embedding model is loaded (the first check loads it).</summary>
public sealed class ReadinessCheck(DocumentCatalog catalog, IEmbeddingGenerator<string, Embedding<float>> embeddings) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            var sets = catalog.ListSets();
            _ = embeddings.GetService(typeof(EmbeddingGeneratorMetadata));
            return Task.FromResult(HealthCheckResult.Healthy($"{sets.Count} sets"));
        }
        catch (Exception ex)
        {
            return Task.FromResult(HealthCheckResult.Unhealthy("The database or the embedding model is not available.", ex));
        }
    }
}
