using Microsoft.ML.OnnxRuntime.Tensors;

namespace QwenRag.Generation.Runtime;

/// <summary>The device a model runs on and why: CUDA when asked for and usable, the CPU otherwise.</summary>
public sealed record DeviceChoice(ExecutionDevice Device, string Reason)
{
    /// <summary>
    /// Decides before any session exists. A provider that is listed can still fail to start (missing CUDA or cuDNN
    /// libraries); <see cref="QwenOnnxModel"/> then falls back to the CPU with that reason.
    /// </summary>
    /// <param name="options">What was asked for.</param>
    /// <param name="kvType">The model's KV cache (activation) type.</param>
    /// <param name="providers">The execution providers this ONNX Runtime build has.</param>
    public static DeviceChoice Choose(QwenRuntimeOptions options, TensorElementType kvType, IReadOnlyCollection<string> providers)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(providers);
        if (options.Device == ExecutionDevice.Cpu)
        {
            return new DeviceChoice(ExecutionDevice.Cpu, "the CPU was asked for");
        }

        if (!providers.Contains(QwenOnnxModel.CudaProvider))
        {
            return new DeviceChoice(ExecutionDevice.Cpu,
                "this ONNX Runtime build has no CUDA provider (the host needs the Microsoft.ML.OnnxRuntime.Gpu.Linux natives)");
        }

        if (kvType != TensorElementType.Float16)
        {
            // CUDA's GroupQueryAttention has fp16/bf16 kernels only: an fp32 graph would quietly run attention on the CPU.
            return new DeviceChoice(ExecutionDevice.Cpu,
                $"the model's activations are {kvType}, and CUDA's GroupQueryAttention needs fp16 (build it with --dtype fp16)");
        }

        return new DeviceChoice(ExecutionDevice.Cuda, $"CUDA device {options.CudaDeviceId} was asked for and the model is fp16");
    }
}
