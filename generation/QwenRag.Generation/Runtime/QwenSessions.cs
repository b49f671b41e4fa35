using Microsoft.ML.OnnxRuntime;

namespace QwenRag.Generation.Runtime;

/// <summary>Opens an ONNX Runtime session for a model the builder wrote, on the device chosen, falling back to the CPU.</summary>
internal static class QwenSessions
{
    /// <summary>
    /// A session on <paramref name="choice"/>'s device; when the CUDA provider cannot start, a CPU session and a
    /// choice that says why. The caller owns both the options and the session.
    /// </summary>
    public static (SessionOptions Options, InferenceSession Session, DeviceChoice Choice) Open(
        string modelPath, QwenRuntimeOptions options, DeviceChoice choice)
    {
        if (choice.Device == ExecutionDevice.Cuda)
        {
            var cuda = new SessionOptions();
            try
            {
                cuda.AppendExecutionProvider_CUDA(options.CudaDeviceId);
                return (cuda, new InferenceSession(modelPath, cuda), choice);
            }
            catch (OnnxRuntimeException exception)
            {
                cuda.Dispose();
                choice = new DeviceChoice(ExecutionDevice.Cpu, $"the CUDA provider could not start ({FirstLine(exception.Message)})");
            }
        }

        // Errors only: the one warning a CPU session of ours logs is that the optional logits_to_keep input (an
        // initializer that is also an input, so that callers may leave it out) is not constant-folded, by design.
        var cpu = new SessionOptions { LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR };
        if (options.IntraOpThreads is { } threads)
        {
            cpu.IntraOpNumThreads = threads;
        }

        try
        {
            return (cpu, new InferenceSession(modelPath, cpu), choice);
        }
        catch
        {
            cpu.Dispose();
            throw;
        }
    }

    private static string FirstLine(string text)
    {
        var end = text.IndexOf('\n', StringComparison.Ordinal);
        return (end < 0 ? text : text[..end]).Trim();
    }
}
