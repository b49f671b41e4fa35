using Microsoft.Extensions.Configuration;
using QwenRag.Retrieval.Answering;

namespace QwenRag.Hosting;

/// <summary>
/// How the CPU is shared between searches, answers and ingestion (section <c>QwenRag:Compute</c>). Searches embed
/// their query in a session of their own, so they never queue behind an ingestion batch or an answer's sentences;
/// extractive answers are admitted a few at a time.
/// </summary>
public sealed record ComputeOptions
{
    public const string SectionName = "QwenRag:Compute";

    /// <summary>Intra-op threads of the embedding session that ingestion and answers use; null: every processor.</summary>
    public int? EmbeddingThreads { get; init; }

    /// <summary>Intra-op threads of the session that embeds search queries (one short text each).</summary>
    public int QueryEmbeddingThreads { get; init; } = 1;

    /// <summary>Extractive answers computed at once (<see cref="ExtractiveAnswererOptions.MaxConcurrentAnswers"/>).</summary>
    public int MaxConcurrentAnswers { get; init; } = new ExtractiveAnswererOptions().MaxConcurrentAnswers;

    /// <summary>Questions that may wait for an extractive answer; one more gets 429.</summary>
    public int MaxQueuedAnswers { get; init; } = new ExtractiveAnswererOptions().MaxQueuedAnswers;

    /// <summary>
    /// Thread-pool threads kept ready in a service. Embedding runs ONNX Runtime synchronously on the calling thread, so a
    /// search, an answer and an ingestion batch each hold a pool thread while they compute; with the pool's default
    /// minimum (one per processor) the next requests wait for the pool to grow, about a thread every half second, and
    /// searches stall for seconds behind an upload (measured: p99 5.6 s instead of 0.17 s).
    /// </summary>
    public int MinThreadPoolThreads { get; init; } = Math.Max(32, Environment.ProcessorCount * 4);

    /// <summary>Raises the thread pool's minimum to <see cref="MinThreadPoolThreads"/> (never lowers it). For services.</summary>
    public void ApplyToThreadPool()
    {
        ThreadPool.GetMinThreads(out var workers, out var completionPorts);
        if (workers < MinThreadPoolThreads)
        {
            ThreadPool.SetMinThreads(MinThreadPoolThreads, completionPorts);
        }
    }

    /// <summary>The section bound, or the defaults when it is absent; checked when passed to <c>AddQwenRag</c>.</summary>
    public static ComputeOptions Read(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        return configuration.GetSection(SectionName).Get<ComputeOptions>() ?? new ComputeOptions();
    }

    /// <exception cref="ArgumentException">A value is out of range; the message names the setting.</exception>
    public void Validate()
    {
        if (EmbeddingThreads is < 1)
        {
            throw new ArgumentException($"{SectionName}:EmbeddingThreads must be 1 or more when set (was {EmbeddingThreads}).");
        }

        if (QueryEmbeddingThreads < 1)
        {
            throw new ArgumentException($"{SectionName}:QueryEmbeddingThreads must be 1 or more (was {QueryEmbeddingThreads}).");
        }

        if (MaxConcurrentAnswers < 1)
        {
            throw new ArgumentException($"{SectionName}:MaxConcurrentAnswers must be 1 or more (was {MaxConcurrentAnswers}).");
        }

        if (MinThreadPoolThreads is < 1 or > 32767)
        {
            throw new ArgumentException($"{SectionName}:MinThreadPoolThreads must be between 1 and 32767 (was {MinThreadPoolThreads}).");
        }

        if (MaxQueuedAnswers < 0)
        {
            throw new ArgumentException($"{SectionName}:MaxQueuedAnswers must be 0 or more (was {MaxQueuedAnswers}).");
        }
    }
}
