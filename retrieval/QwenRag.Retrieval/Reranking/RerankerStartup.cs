using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace QwenRag.Retrieval.Reranking;

/// <summary>
/// Opens the configured reranker before a service listens, so that a folder that is not a reranking model stops it
/// with the reason instead of failing the first search.
/// </summary>
public sealed partial class RerankerStartup(ConfiguredReranker reranker, ILogger<RerankerStartup>? logger = null) : IHostedService
{
    private readonly ILogger _logger = (ILogger?)logger ?? NullLogger.Instance;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        // Resolving the reranker is what opened it; this only reports it.
        if (reranker.Reranker is { } model)
        {
            LogReady(model.ModelId, reranker.Candidates);
        }

        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Information, Message = "Searches rerank their top {Candidates} fused hits with {Model}")]
    private partial void LogReady(string model, int candidates);
}
