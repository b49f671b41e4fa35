using Microsoft.Extensions.AI;

namespace QwenRag.Core.Models;

/// <summary>
/// Opens embedding generators for a model named in configuration (<c>QwenRag:Embedding:Model</c> or
/// <c>--embedding</c>): a shipped name or a folder. Several sources are registered (sentence-transformers ONNX
/// folders and the shipped models; Qwen3-Embedding checkpoints); the first that recognises the model opens it.
/// </summary>
public interface IEmbeddingModelSource
{
    /// <summary>
    /// A generator for <paramref name="model"/> embedding texts as <paramref name="role"/>, or null when this source
    /// does not recognise the model. The caller owns (disposes) the generator.
    /// </summary>
    /// <param name="model">A shipped model name or a folder path.</param>
    /// <param name="role">Documents (bulk ingestion) or queries.</param>
    /// <param name="threads">Inference threads; null uses every core.</param>
    /// <exception cref="ArgumentException">The source recognises the model but it is malformed (names what is wrong).</exception>
    IEmbeddingGenerator<string, Embedding<float>>? TryOpen(string model, EmbeddingRole role, int? threads);
}
