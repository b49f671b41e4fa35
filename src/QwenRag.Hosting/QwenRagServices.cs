using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using QwenRag.Core;
using QwenRag.Generation;
using QwenRag.Generation.Answering;
using QwenRag.Generation.Chat;
using QwenRag.Hosting.Backends;
using QwenRag.Hosting.Qdrant;
using QwenRag.Ingestion;
using QwenRag.Ingestion.Pipeline;
using QwenRag.Retrieval;
using QwenRag.Retrieval.Answering;

namespace QwenRag.Hosting;

/// <summary>
/// Wires the three libraries over one data directory and a blob store (<see cref="BlobStoreServices.AddBlobStore"/>):
/// <see cref="IngestionServices.AddIngestion"/>,
/// <see cref="RetrievalServices.AddRetrieval"/> (embedded index, or Qdrant when <c>QwenRag:Qdrant:Url</c> is
/// configured) and, with a chat server, <see cref="GenerationServices.AddChatServerGeneration"/>, else with a model,
/// <see cref="GenerationServices.AddQwenGeneration"/>; without either, answers are extractive. Everything is a lazily created singleton, so a command that only lists sets never loads the
/// embedding model. Options not passed here are bound from the host's <see cref="IConfiguration"/> (an empty one
/// when the host registers none).
/// </summary>
public static class QwenRagServices
{
    /// <summary>Service key of the embedding generator that embeds search queries, apart from the bulk one.</summary>
    public const string QueryEmbeddings = RetrievalServices.QueryEmbeddings;

    /// <param name="services">The services.</param>
    /// <param name="data">Where catalog, originals and embedded indexes live.</param>
    /// <param name="ingestion">Ingestion options; null binds section <c>QwenRag:Ingestion</c>.</param>
    /// <param name="model">The Qwen model to answer with; null keeps the extractive answerer.</param>
    /// <param name="compute">How searches, answers and ingestion share the CPU; null takes the defaults.</param>
    /// <param name="chat">An OpenAI-compatible server to answer with instead of <paramref name="model"/>; null for none.</param>
    /// <exception cref="ArgumentException">
    /// The model directory does not exist, the queue bound is negative, the chat server's address is not http(s), or
    /// an option is out of range.
    /// </exception>
    public static IServiceCollection AddQwenRag(
        this IServiceCollection services,
        DataDirectory data,
        IngestionOptions? ingestion = null,
        QwenModelOptions? model = null,
        ComputeOptions? compute = null,
        ChatServerOptions? chat = null)
    {
        compute ??= new ComputeOptions();
        compute.Validate();
        data.EnsureCreated();
        services.TryAddSingleton<IConfiguration>(new ConfigurationBuilder().Build());
        services.AddSingleton(data);
        services.AddBlobStore();
        services.TryAddSingleton<BackendSummary>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, BackendsStartup>());
        services.AddIngestion(ingestion);
        services.AddRetrieval(compute.EmbeddingThreads, compute.QueryEmbeddingThreads);
        services.AddQwen3RetrievalModels();
        if (chat is not null)
        {
            services.AddChatServerGeneration(chat);
        }
        else if (model is null)
        {
            services.AddExtractiveAnswers(new ExtractiveAnswererOptions
            {
                MaxConcurrentAnswers = compute.MaxConcurrentAnswers,
                MaxQueuedAnswers = compute.MaxQueuedAnswers,
            });
        }
        else
        {
            services.AddQwenGeneration(model);
        }

        services.AddSingleton<QueryService>();
        services.AddSingleton<CollectionRebuild>();
        return services;
    }
}
