using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;
using QwenRag.Core.Models;
using QwenRag.Generation.Onnx;
using QwenRag.Generation.Runtime;

namespace QwenRag.Generation.RetrievalModels;

/// <summary>
/// Opens a Qwen3-Embedding checkpoint folder (config.json model_type "qwen3", safetensors, tokenizer.json): converts
/// it once into a hidden-state graph in the <see cref="Qwen3GraphCache"/> and embeds with a
/// <see cref="Qwen3EmbeddingGenerator"/>. Anything else is not its model (null).
/// </summary>
public sealed class Qwen3EmbeddingSource(Qwen3GraphCache cache, Qwen3EmbeddingOptions? options = null, ILoggerFactory? loggers = null)
    : IEmbeddingModelSource
{
    private readonly Qwen3EmbeddingOptions _options = options ?? new Qwen3EmbeddingOptions();

    public IEmbeddingGenerator<string, Embedding<float>>? TryOpen(string model, EmbeddingRole role, int? threads)
    {
        ArgumentNullException.ThrowIfNull(cache);
        if (!Qwen3Folder.IsQwen3Checkpoint(model))
        {
            return null;
        }

        var folder = Path.GetFullPath(model);
        var (tokenizer, config) = Qwen3Checkpoint.Read(folder);
        var runtime = _options.Runtime with { IntraOpThreads = threads };
        var precision = runtime.Device == ExecutionDevice.Cuda ? OnnxPrecision.Fp16 : OnnxPrecision.Fp32;
        var graph = cache.HiddenStates(folder, precision);
        var hidden = new QwenHiddenStateModel(graph, runtime, loggers?.CreateLogger<Qwen3EmbeddingGenerator>());
        try
        {
            return new Qwen3EmbeddingGenerator(hidden, tokenizer, Qwen3Folder.ModelId(folder), role, config.MaxPositionEmbeddings, _options);
        }
        catch
        {
            hidden.Dispose();
            throw;
        }
    }
}
