using Microsoft.Extensions.AI;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using QwenRag.Core;
using QwenRag.Generation.Answering;
using QwenRag.Generation.Chat;
using QwenRag.Ingestion.Catalog;

namespace QwenRag.Api;

/// <summary>
/// Ready when the database answers and the embedding model is loaded (the first check loads it); the description
/// also says what answers questions and, for the local Qwen model, where it runs and how many requests it holds.
/// </summary>
public sealed class ReadinessCheck(
    IDocumentCatalog catalog, IEmbeddingGenerator<string, Embedding<float>> embeddings, IAnswerGenerator answerer) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            var sets = catalog.ListSets();
            _ = embeddings.GetService(typeof(EmbeddingGeneratorMetadata));
            return Task.FromResult(HealthCheckResult.Healthy($"{sets.Count} sets; answers: {Answers()}"));
        }
        catch (Exception ex)
        {
            return Task.FromResult(HealthCheckResult.Unhealthy("The database or the embedding model is not available.", ex));
        }
    }

    private string Answers()
    {
        if (answerer is not ChatAnswerGenerator chat)
        {
            return answerer.Name;
        }

        var answers = chat.Client.GetService<QwenChatClient>() is { } qwen ? $"{chat.Name} on {qwen.Device}"
            : chat.Client.GetService<ChatClientMetadata>() is { DefaultModelId: { } model } ? $"{chat.Name} ({model})"
            : chat.Name;
        return chat.Client.GetService<GenerationQueueChatClient>() is { } queue
            ? $"{answers}, {queue.Running} running, {queue.Waiting} waiting"
            : answers;
    }
}
