namespace QwenRag.Generation.Runtime;

/// <summary>Where a <see cref="QwenOnnxModel"/> runs.</summary>
public enum ExecutionDevice
{
    /// <summary>ONNX Runtime's CPU provider.</summary>
    Cpu,

    /// <summary>ONNX Runtime's CUDA provider (fp16 or int4 models); falls back to the CPU, with the reason logged, when it cannot be used.</summary>
    Cuda,
}
