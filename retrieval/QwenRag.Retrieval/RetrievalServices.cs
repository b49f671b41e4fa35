using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Microsoft.ML.Tokenizers;
using QwenRag.Core;
using QwenRag.Core.Models;
using QwenRag.Retrieval.Answering;
using QwenRag.Retrieval.Embeddings;
using QwenRag.Retrieval.Fusion;
using QwenRag.Retrieval.Keywords;
using QwenRag.Retrieval.Qdrant;
using QwenRag.Retrieval.Reranking;
using QwenRag.Retrieval.Vectors;

namespace QwenRag.Retrieval;

public static class RetrievalServices
{
    /// <summary>Service key of the embedding generator that embeds search queries, apart from the bulk one.</summary>
    public const string QueryEmbeddings = "query";

    /// <summary>
    /// Adds embeddings of the model <c>QwenRag:Embedding:Model</c> names (see <see cref="EmbeddingOptions"/>; opened
    /// through the registered <see cref="IEmbeddingModelSource"/>s): a bulk generator embedding documents, and one of
    /// its own embedding queries so that a search never waits behind an ingestion batch; the embedding model's tokenizer, the index and the hybrid retriever. The index is
    /// chosen by configuration: with <c>QwenRag:Qdrant:Url</c> set, a <see cref="QdrantVectorStore"/> (the collection
    /// is the whole index; checked or created when the host starts, and reported by the <c>vectors</c> readiness
    /// check); otherwise the <see cref="EmbeddedIndex"/> over the embedded vector store and the SQLite keyword index
    /// in the <see cref="DataDirectory"/>. Qdrant options are bound from <see cref="QdrantOptions.SectionName"/> and
    /// validated on start; reranking options from <see cref="RerankingOptions.SectionName"/> (a service opens the model
    /// on start through <see cref="RerankerStartup"/>).
    /// </summary>
    /// <param name="services">The services.</param>
    /// <param name="embeddingThreads">ONNX Runtime threads of the bulk embedding session; null uses every core.</param>
    /// <param name="queryEmbeddingThreads">Threads of the query embedding session.</param>
    public static IServiceCollection AddRetrieval(this IServiceCollection services, int? embeddingThreads = null, int queryEmbeddingThreads = 1)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddOptions<EmbeddingOptions>().BindConfiguration(EmbeddingOptions.SectionName).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<EmbeddingOptions>, EmbeddingOptions.Validator>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IEmbeddingModelSource, SentenceEmbeddingModelSource>());
        services.TryAddSingleton<EmbeddingModels>();
        services.TryAddSingleton(provider => OpenConfigured(provider, EmbeddingRole.Document, embeddingThreads));
        services.TryAddKeyedSingleton(QueryEmbeddings, (provider, _) => OpenConfigured(provider, EmbeddingRole.Query, queryEmbeddingThreads));

        // The chunker counts the chosen model's tokens when it is WordPiece (read from the model's description, so
        // chunking alone loads no ONNX graph); other models' chunks are measured with MiniLM's vocabulary, an
        // approximate counter.
        services.TryAddSingleton<Tokenizer>(provider =>
            WordPieceTokenizerOf(provider.GetRequiredService<IOptions<EmbeddingOptions>>().Value.Model) ?? MiniLmResources.CreateTokenizer());

        services.AddOptions<QdrantOptions>().BindConfiguration(QdrantOptions.SectionName).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<QdrantOptions>, QdrantOptions.Validator>());
        services.TryAddSingleton(provider => new QdrantConnection(provider.GetRequiredService<IOptions<QdrantOptions>>().Value));
        services.TryAddSingleton(provider => new Bm25SparseEncoder(provider.GetRequiredService<IOptions<QdrantOptions>>().Value.Bm25AverageChunkLength));
        services.TryAddSingleton(provider => new QdrantVectorStore(
            provider.GetRequiredService<QdrantConnection>(),
            provider.GetRequiredService<IOptions<QdrantOptions>>().Value,
            provider.GetRequiredService<Bm25SparseEncoder>(),
            ModelOf(provider.GetRequiredService<IEmbeddingGenerator<string, Embedding<float>>>())));

        services.TryAddSingleton(provider => new EmbeddedVectorStore(provider.GetRequiredService<DataDirectory>()));
        services.TryAddSingleton<IKeywordIndex>(provider => new SqliteKeywordIndex(provider.GetRequiredService<DataDirectory>()));
        services.TryAddSingleton<IVectorStore>(provider => provider.GetRequiredService<IOptions<QdrantOptions>>().Value.Enabled
            ? provider.GetRequiredService<QdrantVectorStore>()
            : new EmbeddedIndex(provider.GetRequiredService<EmbeddedVectorStore>(), provider.GetRequiredService<IKeywordIndex>()));

        // Reranking (off without QwenRag:Reranking:Model): the first IRerankerSource that recognises the folder opens it.
        services.AddOptions<RerankingOptions>().BindConfiguration(RerankingOptions.SectionName).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<RerankingOptions>, RerankingOptions.Validator>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IRerankerSource, CrossEncoderSource>());
        services.TryAddSingleton<ConfiguredReranker>();
        services.TryAddSingleton(provider => new HybridRetriever(
            provider.GetRequiredKeyedService<IEmbeddingGenerator<string, Embedding<float>>>(QueryEmbeddings),
            provider.GetRequiredService<IVectorStore>(),
            new HybridRetrieverOptions { RerankCandidates = provider.GetRequiredService<ConfiguredReranker>().Candidates },
            provider.GetRequiredService<ConfiguredReranker>().Reranker));

        services.AddHostedService<VectorStoreStartup>();
        return services;
    }

    /// <summary>Answers with sentences picked from the retrieved passages (no language model).</summary>
    public static IServiceCollection AddExtractiveAnswers(this IServiceCollection services, ExtractiveAnswererOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddSingleton<IAnswerGenerator>(provider => new ExtractiveAnswerer(
            provider.GetRequiredService<IEmbeddingGenerator<string, Embedding<float>>>(),
            options,
            provider.GetRequiredKeyedService<IEmbeddingGenerator<string, Embedding<float>>>(QueryEmbeddings)));
        return services;
    }

    private static BertTokenizer? WordPieceTokenizerOf(string model) =>
        SentenceEmbeddingModel.FindShipped(model) is { } shipped ? shipped.CreateTokenizer()
        : SentenceModelFolder.IsModelFolder(model) ? SentenceModelFolder.Read(model).CreateTokenizer()
        : null;

    private static IEmbeddingGenerator<string, Embedding<float>> OpenConfigured(IServiceProvider provider, EmbeddingRole role, int? threads)
    {
        var models = provider.GetRequiredService<EmbeddingModels>();
        return models.Open(models.Configured, role, threads);
    }

    /// <summary>The model a generator embeds with, as its metadata names it.</summary>
    /// <exception cref="InvalidOperationException">The generator does not say its model or dimension.</exception>
    public static EmbeddingModel ModelOf(IEmbeddingGenerator<string, Embedding<float>> generator)
    {
        ArgumentNullException.ThrowIfNull(generator);
        if (generator.GetService<EmbeddingModelInfo>() is { } info)
        {
            return new EmbeddingModel(info.ModelId, info.Dimensions);
        }

        var metadata = generator.GetService<EmbeddingGeneratorMetadata>();
        return metadata is { DefaultModelId: { Length: > 0 } name, DefaultModelDimensions: int dimensions and > 0 }
            ? new EmbeddingModel(name, dimensions)
            : throw new InvalidOperationException("The embedding generator does not name its model and dimension.");
    }
}
