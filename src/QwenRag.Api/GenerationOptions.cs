using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;
using QwenRag.Generation.Answering;
using QwenRag.Generation.Generation;
using QwenRag.Generation.Runtime;

namespace QwenRag.Api;

/// <summary>
/// How the Qwen model of <c>QwenRag:ModelDirectory</c> runs (section <c>QwenRag:Generation</c>): <c>Device</c>
/// (<c>cpu</c> or <c>cuda</c>, any case), <c>CudaDeviceId</c> (which GPU), <c>IntraOpThreads</c> (CPU threads),
/// <c>MaxBatch</c> (questions decoded together), <c>KvCacheBytes</c> (KV cache memory they may need together) and
/// <c>MaxQueuedRequests</c> (questions that may wait for a slot or memory).
/// Read and checked while the app is built, because the model's registration needs them; a bad value stops startup.
/// </summary>
public sealed class GenerationOptions
{
    public const string SectionName = "QwenRag:Generation";

    public string Device { get; set; } = "cpu";

    public int CudaDeviceId { get; set; }

    /// <summary>ONNX Runtime threads of the model on the CPU; null uses every core.</summary>
    public int? IntraOpThreads { get; set; }

    public int MaxQueuedRequests { get; set; } = QwenModelOptions.DefaultMaxQueuedRequests;

    public int MaxBatch { get; set; } = GenerationSchedulerOptions.DefaultMaxBatch;

    public long KvCacheBytes { get; set; } = GenerationSchedulerOptions.DefaultKvCacheBytes;

    /// <summary>The section bound and validated.</summary>
    /// <exception cref="OptionsValidationException">A value is out of range.</exception>
    public static GenerationOptions Read(IConfiguration configuration)
    {
        var options = configuration.GetSection(SectionName).Get<GenerationOptions>() ?? new GenerationOptions();
        var result = new Validator().Validate(Options.DefaultName, options);
        if (result.Failed)
        {
            throw new OptionsValidationException(Options.DefaultName, typeof(GenerationOptions), result.Failures);
        }

        return options;
    }

    /// <summary>The model to answer with, or null (extractive answers) when no directory is configured.</summary>
    public QwenModelOptions? ModelOptions(string? modelDirectory)
    {
        if (string.IsNullOrWhiteSpace(modelDirectory))
        {
            return null;
        }

        _ = QwenModelOptions.TryParseDevice(Device, out var device);
        return new QwenModelOptions
        {
            Directory = modelDirectory,
            Runtime = new QwenRuntimeOptions { Device = device, CudaDeviceId = CudaDeviceId, IntraOpThreads = IntraOpThreads },
            MaxQueuedRequests = MaxQueuedRequests,
            MaxBatch = MaxBatch,
            KvCacheBytes = KvCacheBytes,
        };
    }

    public sealed class Validator : IValidateOptions<GenerationOptions>
    {
        public ValidateOptionsResult Validate(string? name, GenerationOptions options)
        {
            var failures = new List<string>();
            if (!QwenModelOptions.TryParseDevice(options.Device, out _))
            {
                failures.Add($"{SectionName}:Device must be 'cpu' or 'cuda' (was '{options.Device}').");
            }

            if (options.CudaDeviceId < 0)
            {
                failures.Add($"{SectionName}:CudaDeviceId must be 0 or more (was {options.CudaDeviceId}).");
            }

            if (options.IntraOpThreads is < 1)
            {
                failures.Add($"{SectionName}:IntraOpThreads must be 1 or more when set (was {options.IntraOpThreads}).");
            }

            if (options.MaxQueuedRequests < 0)
            {
                failures.Add($"{SectionName}:MaxQueuedRequests must be 0 or more (was {options.MaxQueuedRequests}).");
            }

            if (options.MaxBatch is < 1 or > GenerationSchedulerOptions.MaxBatchLimit)
            {
                failures.Add($"{SectionName}:MaxBatch must be between 1 and {GenerationSchedulerOptions.MaxBatchLimit} (was {options.MaxBatch}).");
            }

            if (options.KvCacheBytes < 1)
            {
                failures.Add($"{SectionName}:KvCacheBytes must be positive (was {options.KvCacheBytes}).");
            }

            return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
        }
    }
}
