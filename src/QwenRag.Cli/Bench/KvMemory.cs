namespace QwenRag.Cli.Bench;

/// <summary>The KV cache for a context: what its buffers take, and how much the working set grew once they were written.</summary>
internal sealed record KvMemory(int Context, long AllocatedBytes, long? WorkingSetGrowthBytes);
