namespace QwenRag.Generation.Runtime;

/// <summary>How a <see cref="QwenOnnxModel"/> is run.</summary>
public sealed record QwenRuntimeOptions
{
    /// <summary>The device asked for; CUDA falls back to the CPU when it is not usable, and the reason is logged.</summary>
    public ExecutionDevice Device { get; init; } = ExecutionDevice.Cpu;

    /// <summary>
    /// ONNX Runtime intra-op threads on the CPU; null lets ONNX Runtime use every core. Set it lower when the same
    /// machine also embeds searches and ingests, so the model does not take every core from them.
    /// </summary>
    public int? IntraOpThreads { get; init; }

    /// <summary>The CUDA device ordinal.</summary>
    public int CudaDeviceId { get; init; }

    /// <summary>
    /// Sliding-window layers keep a cache of the window plus this fraction of it, so that the oldest positions are
    /// evicted in blocks rather than one per token (CPU only; CUDA's windowed cache is exactly the window).
    /// </summary>
    public double WindowCacheSlack { get; init; } = 0.125;
}
