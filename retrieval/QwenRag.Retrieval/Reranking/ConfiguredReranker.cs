using Microsoft.Extensions.Options;
using QwenRag.Core.Models;

namespace QwenRag.Retrieval.Reranking;

/// <summary>
/// The reranker <see cref="RerankingOptions.Model"/> names, opened by the first <see cref="IRerankerSource"/> that
/// recognises it; null when reranking is off. Owns (and disposes) the reranker.
/// </summary>
public sealed class ConfiguredReranker : IDisposable
{
    public ConfiguredReranker(IOptions<RerankingOptions> options, IEnumerable<IRerankerSource> sources)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(sources);
        var value = options.Value;
        Candidates = value.Candidates;
        Reranker = value.Enabled ? Open(value.Model!, sources, threads: null) : null;
    }

    public IReranker? Reranker { get; }

    /// <summary>Fused hits reranked per search.</summary>
    public int Candidates { get; }

    /// <summary>The reranker the first source that recognises <paramref name="model"/> opens.</summary>
    /// <exception cref="InvalidOperationException">No source recognises the folder, or the one that does finds it malformed (the message says why).</exception>
    public static IReranker Open(string model, IEnumerable<IRerankerSource> sources, int? threads)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(model);
        ArgumentNullException.ThrowIfNull(sources);
        var setting = $"The reranking model '{model}' ({RerankingOptions.SectionName}:Model, --reranker)";
        if (!Directory.Exists(model))
        {
            throw new InvalidOperationException($"{setting} is not a folder.");
        }

        foreach (var source in sources)
        {
            try
            {
                if (source.TryOpen(model, threads) is { } reranker)
                {
                    return reranker;
                }
            }
            catch (ArgumentException ex)
            {
                throw new InvalidOperationException($"{setting} is malformed: {ex.Message}", ex);
            }
        }

        throw new InvalidOperationException(
            $"{setting} is not a reranking model: a cross-encoder folder needs config.json naming a *ForSequenceClassification " +
            "architecture (or a model.onnx whose output 'logits' is [batch, 1] or [batch, 2]) and its vocab.txt or tokenizer.json; " +
            "a Qwen3-Reranker checkpoint needs its config.json, tokenizer and safetensors weights.");
    }

    public void Dispose() => Reranker?.Dispose();
}
