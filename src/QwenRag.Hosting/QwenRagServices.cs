using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using QwenRag.Core;
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
/// lists sets never loads the embedding model.
/// </summary>
public static class QwenRagServices
{
    public static IServiceCollection AddQwenRag(this IServiceCollection services, DataDirectory data, IngestionOptions? ingestion = null)
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
        services.AddSingleton<IAnswerGenerator, ExtractiveAnswerer>();
        services.AddSingleton<QueryService>();
        return services;
    }
}
