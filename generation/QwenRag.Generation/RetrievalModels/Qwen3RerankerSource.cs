using Microsoft.Extensions.Logging;
using QwenRag.Core.Models;
using QwenRag.Generation.Checkpoints;
using QwenRag.Generation.Onnx;
using QwenRag.Generation.Runtime;

namespace QwenRag.Generation.RetrievalModels;

/// <summary>
/// Opens a Qwen3-Reranker checkpoint folder: a Qwen3 causal LM (tensors under <c>model.</c>, with lm_head.weight or
/// tied embeddings). A Qwen3-Embedding folder (a base model saved without the prefix and head) is not a reranker,
/// whatever its config says about tying, so it is left to the embedding source (null here).
/// </summary>
public sealed class Qwen3RerankerSource(Qwen3GraphCache cache, Qwen3RerankerOptions? options = null, ILoggerFactory? loggers = null) : IRerankerSource
{
    private const string Yes = "yes";
    private const string No = "no";

    private readonly Qwen3RerankerOptions _options = options ?? new Qwen3RerankerOptions();

    public IReranker? TryOpen(string model, int? threads)
    {
        ArgumentNullException.ThrowIfNull(cache);
        if (!Qwen3Folder.IsQwen3Checkpoint(model))
        {
            return null;
        }

        var folder = Path.GetFullPath(model);
        float[] yesRow, noRow;
        int maxPositions;
        Tokenization.QwenTokenizer tokenizer;
        using (var checkpoint = Qwen3Checkpoint.Open(folder))
        {
            if (checkpoint.IsBaseModel || !checkpoint.HasLanguageModelHead)
            {
                return null;
            }

            (tokenizer, var config) = Qwen3Checkpoint.Read(folder);
            var yes = tokenizer.TokenId(Yes) ?? throw new ArgumentException($"The tokenizer of '{folder}' has no token \"{Yes}\".");
            var no = tokenizer.TokenId(No) ?? throw new ArgumentException($"The tokenizer of '{folder}' has no token \"{No}\".");
            var head = !config.TieWordEmbeddings && checkpoint.Contains(QwenTensorNames.LmHead) ? QwenTensorNames.LmHead : QwenTensorNames.EmbedTokens;
            try
            {
                yesRow = checkpoint.ReadRowFloat32(head, yes);
                noRow = checkpoint.ReadRowFloat32(head, no);
            }
            catch (Exception exception) when (exception is CheckpointException or ArgumentOutOfRangeException)
            {
                throw new ArgumentException($"The Qwen3 checkpoint '{folder}' has no head rows for \"yes\" and \"no\": {exception.Message}", exception);
            }

            maxPositions = config.MaxPositionEmbeddings;
        }

        var runtime = _options.Runtime with { IntraOpThreads = threads };
        var precision = runtime.Device == ExecutionDevice.Cuda ? OnnxPrecision.Fp16 : OnnxPrecision.Fp32;
        var graph = cache.HiddenStates(folder, precision);
        var hidden = new QwenHiddenStateModel(graph, runtime, loggers?.CreateLogger<Qwen3Reranker>());
        try
        {
            return new Qwen3Reranker(hidden, tokenizer, Qwen3Folder.ModelId(folder), yesRow, noRow, maxPositions, _options);
        }
        catch
        {
            hidden.Dispose();
            throw;
        }
    }
}
