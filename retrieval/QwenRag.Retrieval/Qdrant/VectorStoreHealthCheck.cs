using Microsoft.Extensions.Diagnostics.HealthChecks;
using QwenRag.Core;

namespace QwenRag.Retrieval.Qdrant;

/// <summary>
/// Readiness of the index: the embedded store is always there; Qdrant is ready when its server answers and the
/// collection behind the alias fits the embedding model.
/// </summary>
public sealed class VectorStoreHealthCheck(IVectorStore store) : IHealthCheck
{
    private static readonly TimeSpan ProbeTimeout = TimeSpan.FromSeconds(5);

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (store is not QdrantVectorStore qdrant)
        {
            return HealthCheckResult.Healthy("embedded vector store");
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(ProbeTimeout);
        try
        {
            return HealthCheckResult.Healthy(await qdrant.CheckHealthAsync(timeout.Token));
        }
        catch (Exception ex) when (ex is VectorStoreUnavailableException or VectorStoreException or InvalidOperationException
            || (ex is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            return HealthCheckResult.Unhealthy($"Qdrant at {qdrant.Url} is not available: {ex.Message}");
        }
    }
}
