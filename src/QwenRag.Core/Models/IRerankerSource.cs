namespace QwenRag.Core.Models;

/// <summary>
/// Opens rerankers for a model named in configuration (<c>QwenRag:Reranking:Model</c> or <c>--reranker</c>): a
/// cross-encoder ONNX folder, or a Qwen3-Reranker checkpoint folder. The first registered source that recognises the
/// model opens it.
/// </summary>
public interface IRerankerSource
{
    /// <summary>A reranker for <paramref name="model"/>, or null when this source does not recognise it. The caller owns it.</summary>
    /// <param name="model">A folder path.</param>
    /// <param name="threads">Inference threads; null uses every core.</param>
    /// <exception cref="ArgumentException">The source recognises the model but it is malformed (names what is wrong).</exception>
    IReranker? TryOpen(string model, int? threads);
}
