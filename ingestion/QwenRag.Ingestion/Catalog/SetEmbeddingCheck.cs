using QwenRag.Core;

namespace QwenRag.Ingestion.Catalog;

/// <summary>The check before searching a set: its vectors must come from the model that embeds the query.</summary>
public static class SetEmbeddingCheck
{
    /// <summary>
    /// Throws when <paramref name="set"/> was embedded with another model than <paramref name="model"/>, or is half-way
    /// through a switch. A set with no record (none of its documents indexed yet) passes.
    /// </summary>
    /// <exception cref="EmbeddingModelMismatchException">The models differ; the message names both and the fix.</exception>
    public static void RequireEmbeddingModel(this IDocumentCatalog catalog, string set, string model)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        switch (catalog.FindSetEmbedding(set))
        {
            case { PendingModel: { } pending }:
                throw new EmbeddingModelMismatchException(set, pending, model, switching: true);
            case { } stamp when !string.Equals(stamp.Model, model, StringComparison.OrdinalIgnoreCase):
                throw new EmbeddingModelMismatchException(set, stamp.Model, model);
        }
    }
}
