using Microsoft.Extensions.Options;
using QwenRag.Retrieval.Embeddings;

namespace QwenRag.Retrieval;

/// <summary>The embedding model, bound from <see cref="SectionName"/> (CLI: <c>--embedding</c>).</summary>
public sealed class EmbeddingOptions
{
    public const string SectionName = "QwenRag:Embedding";

    /// <summary>
    /// The model used when none is configured. snowflake-arctic-embed-xs measured better than all-MiniLM-L6-v2 on the
    /// shared corpus (issue 14) at the same size and speed; to flip back, change this one constant.
    /// </summary>
    public const string DefaultModel = "snowflake-arctic-embed-xs";

    /// <summary>A shipped model (id or short name: see <see cref="SentenceEmbeddingModel.Shipped"/>) or a model folder.</summary>
    public string Model { get; set; } = DefaultModel;

    /// <summary>The task text a Qwen3-Embedding model puts in its query instruction; null for its default.</summary>
    public string? QueryInstruction { get; set; }

    /// <summary>Longest <see cref="QueryInstruction"/> accepted.</summary>
    public const int MaxQueryInstructionLength = 1000;

    /// <summary>The error for a model no source recognises: what was asked, and what could be.</summary>
    public static string UnknownModelMessage(string model) => Directory.Exists(model)
        ? $"Embedding model folder '{model}' is not a model this build can run (QwenRag:Embedding:Model or --embedding): "
          + "a sentence-transformers ONNX folder needs model.onnx (or onnx/model.onnx) and vocab.txt or tokenizer.json; "
          + "a Qwen3-Embedding checkpoint needs config.json (model_type qwen3), tokenizer.json and safetensors weights."
        : $"Unknown embedding model '{model}' (QwenRag:Embedding:Model or --embedding): give a shipped model, "
          + $"{SentenceEmbeddingModel.ShippedNames}, or a model folder.";

    public sealed class Validator : IValidateOptions<EmbeddingOptions>
    {
        public ValidateOptionsResult Validate(string? name, EmbeddingOptions options)
        {
            ArgumentNullException.ThrowIfNull(options);
            if (string.IsNullOrWhiteSpace(options.Model))
            {
                return ValidateOptionsResult.Fail("QwenRag:Embedding:Model must name a shipped model or a model folder.");
            }

            if (SentenceEmbeddingModel.FindShipped(options.Model) is null && !Directory.Exists(options.Model))
            {
                return ValidateOptionsResult.Fail(UnknownModelMessage(options.Model));
            }

            return options.QueryInstruction is { Length: > MaxQueryInstructionLength }
                ? ValidateOptionsResult.Fail($"QwenRag:Embedding:QueryInstruction is longer than {MaxQueryInstructionLength} characters.")
                : ValidateOptionsResult.Success;
        }
    }
}
