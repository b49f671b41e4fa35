using Microsoft.Extensions.Options;
using QwenRag.Retrieval.Fusion;

namespace QwenRag.Retrieval.Reranking;

/// <summary>
/// Whether and how the fused candidates of a search are reranked (section <c>QwenRag:Reranking</c>). Without
/// <see cref="Model"/> searches keep the fused order.
/// </summary>
public sealed class RerankingOptions
{
    public const string SectionName = "QwenRag:Reranking";

    public const int DefaultCandidates = 30;

    /// <summary>The most candidates one search may rerank (each is one pass of the reranking model).</summary>
    public const int MaxCandidates = HybridRetriever.MaxTop;

    /// <summary>
    /// A reranking model folder: a sentence-transformers cross-encoder exported to ONNX, or a Qwen3-Reranker
    /// checkpoint. Null or empty: no reranking.
    /// </summary>
    public string? Model { get; set; }

    /// <summary>Fused hits the reranker scores per search (raised to the search's <c>top</c> when smaller).</summary>
    public int Candidates { get; set; } = DefaultCandidates;

    public bool Enabled => !string.IsNullOrWhiteSpace(Model);

    /// <summary>Checks every value; the messages name the setting.</summary>
    public sealed class Validator : IValidateOptions<RerankingOptions>
    {
        public ValidateOptionsResult Validate(string? name, RerankingOptions options)
        {
            ArgumentNullException.ThrowIfNull(options);
            var failures = new List<string>();
            if (options.Candidates is < 1 or > MaxCandidates)
            {
                failures.Add($"{SectionName}:Candidates must be between 1 and {MaxCandidates} (was {options.Candidates}).");
            }

            if (options.Enabled && !Directory.Exists(options.Model))
            {
                failures.Add($"{SectionName}:Model '{options.Model}' is not a folder; it names a reranking model folder (a cross-encoder with model.onnx, or a Qwen3-Reranker checkpoint).");
            }

            return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
        }
    }
}
