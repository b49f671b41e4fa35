using Microsoft.Extensions.AI;
using Microsoft.Extensions.Options;
using QwenRag.Core.Models;

namespace QwenRag.Retrieval.Embeddings;

/// <summary>
/// Opens generators for a model name through the registered <see cref="IEmbeddingModelSource"/>s (the first that
/// recognises it), for the configured model or another one (a re-index into a new model).
/// </summary>
public sealed class EmbeddingModels(IEnumerable<IEmbeddingModelSource> sources, IOptions<EmbeddingOptions> options)
{
    /// <summary>The configured model (<c>QwenRag:Embedding:Model</c>).</summary>
    public string Configured => options.Value.Model;

    /// <summary>A generator the caller owns.</summary>
    /// <exception cref="InvalidOperationException">No source recognises <paramref name="model"/>, or the one that does finds it malformed.</exception>
    public IEmbeddingGenerator<string, Embedding<float>> Open(string model, EmbeddingRole role, int? threads)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(model);
        foreach (var source in sources)
        {
            IEmbeddingGenerator<string, Embedding<float>>? generator;
            try
            {
                generator = source.TryOpen(model, role, threads);
            }
            catch (ArgumentException ex)
            {
                throw new InvalidOperationException($"Embedding model '{model}' cannot be used: {ex.Message}", ex);
            }

            if (generator is not null)
            {
                return generator;
            }
        }

        throw new InvalidOperationException(EmbeddingOptions.UnknownModelMessage(model));
    }
}
