using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using QwenRag.Core;
using QwenRag.Generation.Answering;
using QwenRag.Ingestion.Catalog;
using QwenRag.Ingestion.Chunking;
using QwenRag.Ingestion.Extraction;
using QwenRag.Ingestion.Pipeline;
using QwenRag.Retrieval.Answering;
using QwenRag.Retrieval.Embeddings;
using QwenRag.Retrieval.Fusion;
using QwenRag.Retrieval.Keywords;
using QwenRag.Retrieval.Vectors;

namespace QwenRag.Hosting;

/// <summary>
/// Wires the embedded defaults: MiniLM embeddings, the embedded vector store, the SQLite keyword index and
/// catalog, all under one data directory. Everything is a lazily created singleton, so a command that only
/// lists sets never loads the embedding model. With a model, answers come from that Qwen model
/// (<see cref="QwenAnswerGenerator"/>, one instance shared by all requests, with its bounded queue); without one, from
/// the extractive answerer. Search queries are embedded by a session of their own (<see cref="QueryEmbeddings"/>),
/// so that a search never waits behind an ingestion batch or an answer's sentences.
/// </summary>
public static class QwenRagServices
{
    /// <summary>Service key of the embedding generator that embeds search queries, apart from the bulk one.</summary>
    public const string QueryEmbeddings = "query";

    /// <param name="model">The Qwen model to answer with; null keeps the extractive answerer.</param>
    /// <exception cref="ArgumentException">
    /// The model directory does not exist, the queue bound is negative, or an ingestion option is out of range.
    /// </exception>
    /// <param name="compute">How searches, answers and ingestion share the CPU; null takes the defaults.</param>
    public static IServiceCollection AddQwenRag(
        this IServiceCollection services,
        DataDirectory data,
        IngestionOptions? ingestion = null,
        QwenModelOptions? model = null,
        ComputeOptions? compute = null)
    {
        compute ??= new ComputeOptions();
        compute.Validate();
        data.EnsureCreated();
        services.AddSingleton(data);
        services.AddSingleton((ingestion ?? new IngestionOptions()).ThrowIfInvalid());
        services.AddSingleton<DocumentCatalog>();
        services.AddSingleton(_ => DocumentExtractors.CreateDefault());
        services.AddSingleton(_ => new MiniLmEmbeddingGenerator(new MiniLmEmbeddingOptions { IntraOpThreads = compute.EmbeddingThreads }));
        services.AddSingleton<IEmbeddingGenerator<string, Embedding<float>>>(
            provider => provider.GetRequiredService<MiniLmEmbeddingGenerator>());
        services.AddKeyedSingleton<IEmbeddingGenerator<string, Embedding<float>>>(
            QueryEmbeddings, (_, _) => new MiniLmEmbeddingGenerator(new MiniLmEmbeddingOptions { IntraOpThreads = compute.QueryEmbeddingThreads }));
        services.AddSingleton(_ => new Chunker(MiniLmResources.CreateTokenizer(), new ChunkingOptions()));
        services.AddSingleton<IVectorStore>(provider => new EmbeddedVectorStore(data));
        services.AddSingleton<IKeywordIndex>(provider => new SqliteKeywordIndex(data));
        services.AddSingleton<DocumentIngestor>();
        services.AddSingleton(provider => new HybridRetriever(
            provider.GetRequiredKeyedService<IEmbeddingGenerator<string, Embedding<float>>>(QueryEmbeddings),
            provider.GetRequiredService<IVectorStore>(),
            provider.GetRequiredService<IKeywordIndex>()));
        if (model is null)
        {
            services.AddSingleton<IAnswerGenerator>(provider => new ExtractiveAnswerer(
                provider.GetRequiredService<IEmbeddingGenerator<string, Embedding<float>>>(),
                new ExtractiveAnswererOptions { MaxConcurrentAnswers = compute.MaxConcurrentAnswers, MaxQueuedAnswers = compute.MaxQueuedAnswers }));
        }
        else
        {
            if (string.IsNullOrWhiteSpace(model.Directory))
            {
                throw new ArgumentException("The model directory is empty.", nameof(model));
            }

            var directory = Path.GetFullPath(model.Directory);
            if (!Directory.Exists(directory))
            {
                throw new ArgumentException($"The model directory '{directory}' does not exist.", nameof(model));
            }

            ArgumentOutOfRangeException.ThrowIfNegative(model.MaxQueuedRequests, $"{nameof(model)}.{nameof(model.MaxQueuedRequests)}");
            var options = model with { Directory = directory };
            services.AddSingleton(provider => new QwenAnswerGenerator(options, provider.GetService<ILogger<QwenAnswerGenerator>>()));
            services.AddSingleton<IAnswerGenerator>(provider => provider.GetRequiredService<QwenAnswerGenerator>());
        }

        services.AddSingleton<QueryService>();
        return services;
    }
}
