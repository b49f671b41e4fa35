using Microsoft.Extensions.AI;
using QwenRag.Core.Models;

namespace QwenRag.Retrieval.Embeddings;

/// <summary>
/// Opens the shipped sentence-transformers models (by id or short name) and sentence-transformers ONNX folders
/// (a folder with model.onnx or onnx/model.onnx); anything else is not its own.
/// </summary>
public sealed class SentenceEmbeddingModelSource : IEmbeddingModelSource
{
    /// <exception cref="ArgumentException">The folder is this source's, but a file in it is missing or malformed.</exception>
    public IEmbeddingGenerator<string, Embedding<float>>? TryOpen(string model, EmbeddingRole role, int? threads)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(model);
        var description = SentenceEmbeddingModel.FindShipped(model)
            ?? (SentenceModelFolder.IsModelFolder(model) ? SentenceModelFolder.Read(model) : null);
        return description is null
            ? null
            : new SentenceEmbeddingGenerator(new SentenceEmbeddingOptions { Model = description, Role = role, IntraOpThreads = threads });
    }
}
