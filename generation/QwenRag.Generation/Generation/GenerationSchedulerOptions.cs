namespace QwenRag.Generation.Generation;

/// <summary>How a <see cref="GenerationScheduler"/> shares the model between requests.</summary>
public sealed record GenerationSchedulerOptions
{
    public const int DefaultMaxBatch = 8;
    public const long DefaultKvCacheBytes = 2L << 30;
    public const int DefaultMaxQueuedRequests = 8;
    public const int DefaultPrefillChunk = 256;

    /// <summary>The most sequences one pass may decode (each holds a KV slot reserved at load).</summary>
    public const int MaxBatchLimit = 256;

    /// <summary>Sequences decoded together in one pass (each holds a KV slot while it runs).</summary>
    public int MaxBatch { get; init; } = DefaultMaxBatch;

    /// <summary>
    /// The KV memory the running sequences may need together: a request is admitted when its need (prompt plus
    /// max new tokens) fits beside theirs, and waits otherwise. It also bounds one slot: a slot holds the most tokens
    /// this many bytes hold (on CUDA, which allocates every slot up front, this many bytes over <see cref="MaxBatch"/>),
    /// at most the context length.
    /// </summary>
    public long KvCacheBytes { get; init; } = DefaultKvCacheBytes;

    /// <summary>Requests allowed to wait for a slot or for KV memory; beyond them a request is refused (429).</summary>
    public int MaxQueuedRequests { get; init; } = DefaultMaxQueuedRequests;

    /// <summary>Most prompt tokens prefilled between two decode steps, which bounds how long a new prompt stalls the others.</summary>
    public int PrefillChunk { get; init; } = DefaultPrefillChunk;

    /// <summary>Throws <see cref="ArgumentException"/> naming the first setting out of range.</summary>
    public void Validate()
    {
        if (MaxBatch is < 1 or > MaxBatchLimit)
        {
            throw new ArgumentException($"MaxBatch must be between 1 and {MaxBatchLimit} (was {MaxBatch}).");
        }

        if (KvCacheBytes < 1)
        {
            throw new ArgumentException($"KvCacheBytes must be positive (was {KvCacheBytes}).");
        }

        if (MaxQueuedRequests < 0)
        {
            throw new ArgumentException($"MaxQueuedRequests must be 0 or more (was {MaxQueuedRequests}).");
        }

        if (PrefillChunk < 1)
        {
            throw new ArgumentException($"PrefillChunk must be at least 1 (was {PrefillChunk}).");
        }
    }
}
