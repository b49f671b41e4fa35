using System.Globalization;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using QwenRag.Core.Blobs;
using QwenRag.Ingestion.Catalog;
using QwenRag.Ingestion.Chunking;
using QwenRag.Ingestion.Extraction;
using QwenRag.Ingestion.Pipeline;
using QwenRag.Retrieval;
using QwenRag.Retrieval.Qdrant;

namespace QwenRag.Hosting.Qdrant;

/// <summary>
/// Re-indexes every set into a new Qdrant collection for an embedding model while the alias keeps serving the
/// old one, then switches the alias in one atomic <c>UpdateAliases</c> call and drops the old collection. If any
/// document fails for a reason other than its own (its original gone or refused), nothing is switched and the new
/// collection is dropped, so searches never see a half-built index.
/// </summary>
public sealed class CollectionRebuild(
    IBlobStore blobs,
    IDocumentCatalog catalog,
    DocumentExtractors extractors,
    Chunker chunker,
    IEmbeddingGenerator<string, Embedding<float>> embedder,
    QdrantConnection connection,
    IOptions<QdrantOptions> options,
    Bm25SparseEncoder sparse,
    IngestionOptions ingestion,
    ILogger<DocumentIngestor>? logger = null)
{
    /// <summary>The model this process embeds with; the only one a rebuild can build for.</summary>
    public EmbeddingModel Model { get; } = RetrievalServices.ModelOf(embedder);

    /// <exception cref="ArgumentException"><paramref name="model"/> is not the model this process embeds with.</exception>
    public async Task<RebuildReport> RunAsync(
        string model, IProgress<IngestionProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        if (!string.Equals(model, Model.Name, StringComparison.OrdinalIgnoreCase))
        {
            throw new ArgumentException($"Unknown embedding model '{model}'; this build embeds with: {Model.Name}.", nameof(model));
        }

        var collections = new QdrantCollections(connection, options.Value);
        var previous = await collections.FindAliasTargetAsync(cancellationToken);
        var name = QdrantRequests.CollectionName(options.Value.Alias, Model.Name, Model.Dimensions);
        if (name == previous)
        {
            name = QdrantRequests.CollectionName(
                options.Value.Alias, Model.Name, Model.Dimensions, DateTimeOffset.UtcNow.ToString("yyyyMMddHHmmss", CultureInfo.InvariantCulture));
        }

        await collections.CreateAsync(name, Model, cancellationToken);
        var store = new QdrantVectorStore(connection, options.Value, sparse, Model, name);
        var ingestor = new DocumentIngestor(blobs, catalog, extractors, chunker, embedder, store, ingestion, logger);
        var outcomes = new List<IngestionOutcome>();
        try
        {
            foreach (var set in catalog.ListSets())
            {
                outcomes.AddRange(await ingestor.ReindexSetAsync(set.Name, progress, cancellationToken));
            }
        }
        catch
        {
            await collections.DropAsync(name, CancellationToken.None);
            throw;
        }

        var failed = outcomes.Where(o => !o.Succeeded && o.Cause is not DocumentRejectedException and not FileNotFoundException).ToList();
        if (failed.Count > 0)
        {
            await collections.DropAsync(name, cancellationToken);
            return new RebuildReport(name, previous, Switched: false, outcomes);
        }

        await collections.SwitchAliasAsync(name, aliasExists: previous is not null, cancellationToken);
        if (previous is not null)
        {
            await collections.DropAsync(previous, cancellationToken);
        }

        return new RebuildReport(name, previous, Switched: true, outcomes);
    }
}

/// <summary>What a rebuild built, what it replaced, and each document's outcome.</summary>
public sealed record RebuildReport(string Collection, string? Previous, bool Switched, IReadOnlyList<IngestionOutcome> Outcomes);
