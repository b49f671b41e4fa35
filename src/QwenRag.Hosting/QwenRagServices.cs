using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
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
/// lists sets never loads the embedding model. With a model directory, answers come from that Qwen model
/// (<see cref="QwenAnswerGenerator"/>, one instance shared by all requests); without one, from the extractive answerer.
/// </summary>
public static class QwenRagServices
{
    public static IServiceCollection AddQwenRag(
        this IServiceCollection services, DataDirectory data, IngestionOptions? ingestion = null, string? modelDirectory = null)
    {
        data.EnsureCreated();
        services.AddSingleton(data);
        services.AddSingleton(ingestion ?? new IngestionOptions());
        services.AddSingleton<DocumentCatalog>();
        services.AddSingleton(_ => DocumentExtractors.CreateDefault());
        services.AddSingleton<MiniLmEmbeddingGenerator>();
        services.AddSingleton<IEmbeddingGenerator<string, Embedding<float>>>(
            provider => provider.GetRequiredService<MiniLmEmbeddingGenerator>());
        services.AddSingleton(_ => new Chunker(MiniLmResources.CreateTokenizer(), new ChunkingOptions()));
        services.AddSingleton<IVectorStore>(provider => new EmbeddedVectorStore(data));
        services.AddSingleton<IKeywordIndex>(provider => new SqliteKeywordIndex(data));
        services.AddSingleton<DocumentIngestor>();
        services.AddSingleton<HybridRetriever>();
        if (string.IsNullOrWhiteSpace(modelDirectory))
        {
            services.AddSingleton<IAnswerGenerator, ExtractiveAnswerer>();
        }
        else
        {
            var model = Path.GetFullPath(modelDirectory);
            if (!Directory.Exists(model))
            {
                throw new ArgumentException($"The model directory '{model}' does not exist.", nameof(modelDirectory));
            }

            services.AddSingleton<IAnswerGenerator>(_ => new QwenAnswerGenerator(model));
        }

        services.AddSingleton<QueryService>();
        return services;
    }
}
