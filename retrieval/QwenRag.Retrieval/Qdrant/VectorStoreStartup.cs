using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using QwenRag.Core;

namespace QwenRag.Retrieval.Qdrant;

/// <summary>
/// When the host starts with Qdrant configured, checks the collection behind the alias (creating it the first
/// time). A collection that does not fit the embedding model stops the host with both sides named; a server that
/// cannot be reached is logged with its URL and leaves the host running but not ready, trying again on each use.
/// </summary>
internal sealed partial class VectorStoreStartup(IVectorStore store, ILogger<VectorStoreStartup>? logger = null) : IHostedService
{
    private readonly ILogger _logger = (ILogger?)logger ?? NullLogger.Instance;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (store is not QdrantVectorStore qdrant)
        {
            return;
        }

        try
        {
            var collection = await qdrant.InitializeAsync(cancellationToken);
            LogReady(qdrant.Url, collection);
        }
        catch (VectorStoreUnavailableException ex)
        {
            LogUnavailable(ex, qdrant.Url);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Information, Message = "Qdrant at {Url}: collection {Collection} ready")]
    private partial void LogReady(string url, string collection);

    [LoggerMessage(Level = LogLevel.Error, Message = "Qdrant at {Url} cannot be reached; not ready until it can")]
    private partial void LogUnavailable(Exception exception, string url);
}
