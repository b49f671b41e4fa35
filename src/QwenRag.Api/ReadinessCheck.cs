using Microsoft.Extensions.AI;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using QwenRag.Core;
using QwenRag.Generation.Answering;
using QwenRag.Generation.Chat;
using QwenRag.Generation.Generation;
using QwenRag.Ingestion.Catalog;

namespace QwenRag.Api;

/// <summary>
/// Ready when the database answers and the embedding model is loaded (the first check loads it); the description
/// also says what answers questions and, for the local Qwen model, where it runs and how many requests it holds
/// (running, waiting, KV cache bytes in use), which the report also gives as numbers under <c>generation</c>.
/// </summary>
public sealed class ReadinessCheck(
    IDocumentCatalog catalog, IEmbeddingGenerator<string, Embedding<float>> embeddings, IAnswerGenerator answerer) : IHealthCheck
{
    /// <summary>The check's name in the readiness report.</summary>
    public const string Name = "ready";

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            var sets = catalog.ListSets();
            _ = embeddings.GetService(typeof(EmbeddingGeneratorMetadata));
            var generation = Generation((answerer as ChatAnswerGenerator)?.Client.GetService<GenerationScheduler>());
            return Task.FromResult(HealthCheckResult.Healthy($"{sets.Count} sets; answers: {Answers(generation)}", generation));
        }
        catch (Exception ex)
        {
            return Task.FromResult(HealthCheckResult.Unhealthy("The database or the embedding model is not available.", ex));
        }
    }

    /// <summary>The local model's scheduler in numbers, read once (under <c>generation</c> in the report); empty for other answerers.</summary>
    private static Dictionary<string, object> Generation(GenerationScheduler? scheduler) =>
        scheduler is not null
            ? new()
            {
                ["running"] = scheduler.Running,
                ["waiting"] = scheduler.Waiting,
                ["maxBatch"] = scheduler.MaxBatch,
                ["maxQueued"] = scheduler.MaxQueued,
                ["kvBytesInUse"] = scheduler.KvBytesInUse,
                ["kvBytesBudget"] = scheduler.KvBytesBudget,
                ["slotTokens"] = scheduler.SlotCapacity,
            }
            : [];

    private string Answers(Dictionary<string, object> generation)
    {
        if (answerer is not ChatAnswerGenerator chat)
        {
            return answerer.Name;
        }

        var answers = chat.Client.GetService<QwenChatClient>() is { } qwen ? $"{chat.Name} on {qwen.Device}"
            : chat.Client.GetService<ChatClientMetadata>() is { DefaultModelId: { } model } ? $"{chat.Name} ({model})"
            : chat.Name;
        return generation.Count > 0
            ? $"{answers}, {generation["running"]} running, {generation["waiting"]} waiting, " +
                $"KV cache {generation["kvBytesInUse"]} of {generation["kvBytesBudget"]} bytes in use"
            : answers;
    }
}
