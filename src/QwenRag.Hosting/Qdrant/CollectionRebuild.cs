using System.Globalization;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using QwenRag.Core.Blobs;
using QwenRag.Core.Models;
using QwenRag.Ingestion.Catalog;
using QwenRag.Ingestion.Chunking;
using QwenRag.Ingestion.Extraction;
using QwenRag.Ingestion.Pipeline;
using QwenRag.Retrieval;
using QwenRag.Retrieval.Embeddings;
using QwenRag.Retrieval.Qdrant;

namespace QwenRag.Hosting.Qdrant;

/// <summary>
/// Re-indexes every set into a new Qdrant collection for an embedding model while the alias keeps serving the
/// old one, then switches the alias in one atomic <c>UpdateAliases</c> call and drops the old collection. If any
/// document fails for a reason other than its own (its original gone or refused), nothing is switched and the new
/// collection is dropped, so searches never see a half-built index. The model may be another than the process's (it
/// is opened through <see cref="EmbeddingModels"/>); once switched, every set records it.
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
    EmbeddingModels? models = null,
    ILogger<DocumentIngestor>? logger = null)
{
    /// <summary>The model this process embeds with.</summary>
    public EmbeddingModel Model { get; } = RetrievalServices.ModelOf(embedder);

    /// <exception cref="ArgumentException">No source knows <paramref name="model"/>, or its folder is malformed.</exception>
    public async Task<RebuildReport> RunAsync(
        string model, IProgress<IngestionProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(model);
        var requested = SentenceEmbeddingModel.FindShipped(model)?.Id ?? model;
        if (string.Equals(requested, Model.Name, StringComparison.OrdinalIgnoreCase))
        {
            return await RunAsync(embedder, progress, cancellationToken);
        }

        if (models is null)
        {
            throw new ArgumentException($"Unknown embedding model '{model}'; this process embeds with: {Model.Name}.", nameof(model));
        }

        IEmbeddingGenerator<string, Embedding<float>> generator;
        try
        {
            generator = models.Open(model, EmbeddingRole.Document, threads: null);
        }
        catch (InvalidOperationException ex)
        {
            throw new ArgumentException(ex.Message, nameof(model), ex);
        }

        using (generator)
        {
            return await RunAsync(generator, progress, cancellationToken);
        }
    }

    private async Task<RebuildReport> RunAsync(
        IEmbeddingGenerator<string, Embedding<float>> generator, IProgress<IngestionProgress>? progress, CancellationToken cancellationToken)
    {
        var target = RetrievalServices.ModelOf(generator);
        var collections = new QdrantCollections(connection, options.Value);
        var previous = await collections.FindAliasTargetAsync(cancellationToken);
        var name = QdrantRequests.CollectionName(options.Value.Alias, target.Name, target.Dimensions);
        if (name == previous)
        {
            name = QdrantRequests.CollectionName(
                options.Value.Alias, target.Name, target.Dimensions, DateTimeOffset.UtcNow.ToString("yyyyMMddHHmmss", CultureInfo.InvariantCulture));
        }

        await collections.CreateAsync(name, target, cancellationToken);
        var store = new QdrantVectorStore(connection, options.Value, sparse, target, name);
        var ingestor = new DocumentIngestor(blobs, catalog, extractors, chunker, generator, store, ingestion, logger);
        var outcomes = new List<IngestionOutcome>();
        try
        {
            foreach (var set in catalog.ListSets())
            {
                outcomes.AddRange(await ingestor.ReindexSetAsync(set.Name, recordModel: false, progress, cancellationToken));
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
        foreach (var set in catalog.ListSets())
        {
            catalog.SwitchModel(set.Name, target.Name, target.Dimensions);
        }

        if (previous is not null)
        {
            await collections.DropAsync(previous, cancellationToken);
        }

        return new RebuildReport(name, previous, Switched: true, outcomes);
    }
}

/// <summary>What a rebuild built, what it replaced, and each document's outcome.</summary>
public sealed record RebuildReport(string Collection, string? Previous, bool Switched, IReadOnlyList<IngestionOutcome> Outcomes);
