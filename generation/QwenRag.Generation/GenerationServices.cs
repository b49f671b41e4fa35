using System.ClientModel;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using OpenAI;
using QwenRag.Core;
using QwenRag.Core.Models;
using QwenRag.Core.Telemetry;
using QwenRag.Generation.Answering;
using QwenRag.Generation.Chat;
using QwenRag.Generation.RetrievalModels;

namespace QwenRag.Generation;

public static class GenerationServices
{
    /// <summary>
    /// Adds Microsoft.Extensions.AI's OpenTelemetry middleware (gen_ai spans and metrics under
    /// <see cref="QwenRagTelemetry.GenAiSourceName"/>; message contents are not recorded).
    /// </summary>
    private static ChatClientBuilder UseQwenRagTelemetry(this ChatClientBuilder builder) =>
        builder.UseOpenTelemetry(sourceName: QwenRagTelemetry.GenAiSourceName);

    /// <summary>
    /// Answers with the Qwen model in <see cref="QwenModelOptions.Directory"/>: one <see cref="QwenChatClient"/>,
    /// registered as the <see cref="IChatClient"/> with <c>AddChatClient</c>, shared by all requests through its
    /// <see cref="Generation.GenerationScheduler"/> (<see cref="QwenModelOptions.Scheduling"/>: batch, KV memory, queue)
    /// and loaded on first use; the <see cref="IAnswerGenerator"/> is a <see cref="ChatAnswerGenerator"/> over that client.
    /// </summary>
    /// <exception cref="ArgumentException">The model directory is empty or missing, or a scheduling option is out of range.</exception>
    public static IServiceCollection AddQwenGeneration(this IServiceCollection services, QwenModelOptions model)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(model);
        if (string.IsNullOrWhiteSpace(model.Directory))
        {
            throw new ArgumentException("The model directory is empty.", nameof(model));
        }

        var directory = Path.GetFullPath(model.Directory);
        if (!Directory.Exists(directory))
        {
            throw new ArgumentException($"The model directory '{directory}' does not exist.", nameof(model));
        }

        var scheduling = model.Scheduling;
        scheduling.Validate();
        ArgumentNullException.ThrowIfNull(model.Runtime);
        services.AddChatClient(provider => QwenChatClient.Open(
                directory, model.Runtime, provider.GetService<ILoggerFactory>()?.CreateLogger<QwenChatClient>(), scheduling))
            .UseQwenRagTelemetry();
        services.AddSingleton<IAnswerGenerator>(provider =>
            new ChatAnswerGenerator(provider.GetRequiredService<IChatClient>(), ChatAnswerGenerator.QwenName));
        return services;
    }

    /// <summary>
    /// Answers with a model behind an OpenAI-compatible server: its <see cref="IChatClient"/> (Microsoft.Extensions.AI.OpenAI)
    /// registered with <c>AddChatClient</c>, and a <see cref="ChatAnswerGenerator"/> over it that packs sources by an
    /// <see cref="EstimatedTokenBudget"/> of <see cref="ChatServerOptions.ContextTokens"/>. No queue: the server
    /// schedules its own requests.
    /// </summary>
    /// <exception cref="ArgumentException">The endpoint is not an absolute http(s) address, the model is empty, or the context is below 1.</exception>
    public static IServiceCollection AddChatServerGeneration(this IServiceCollection services, ChatServerOptions server)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(server);
        ArgumentNullException.ThrowIfNull(server.Endpoint);
        if (!server.Endpoint.IsAbsoluteUri || (server.Endpoint.Scheme != Uri.UriSchemeHttp && server.Endpoint.Scheme != Uri.UriSchemeHttps))
        {
            throw new ArgumentException($"The chat endpoint '{server.Endpoint}' is not an absolute http or https address.", nameof(server));
        }

        ArgumentException.ThrowIfNullOrWhiteSpace(server.Model, $"{nameof(server)}.{nameof(server.Model)}");
        var budget = new EstimatedTokenBudget(server.ContextTokens);
        // Servers without keys ignore the bearer token, but the OpenAI client insists on one.
        var key = new ApiKeyCredential(string.IsNullOrEmpty(server.ApiKey) ? "none" : server.ApiKey);
        services.AddChatClient(_ => new OpenAI.Chat.ChatClient(server.Model, key, new OpenAIClientOptions { Endpoint = server.Endpoint }).AsIChatClient())
            .UseQwenRagTelemetry()
            .Use(inner => new TokenRateChatClient(inner));
        services.AddSingleton<IAnswerGenerator>(provider =>
            new ChatAnswerGenerator(provider.GetRequiredService<IChatClient>(), ChatAnswerGenerator.ServerName, budget));
        return services;
    }

    /// <summary>
    /// Registers the Qwen3 retrieval model sources: <see cref="Qwen3EmbeddingSource"/> (an
    /// <see cref="IEmbeddingModelSource"/>) and <see cref="Qwen3RerankerSource"/> (an <see cref="IRerankerSource"/>),
    /// with their graphs converted into <c>{data}/models</c> and their instructions and devices read from
    /// <see cref="Qwen3ModelSettings"/>' keys. Safe to call more than once.
    /// </summary>
    public static IServiceCollection AddQwen3RetrievalModels(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.TryAddSingleton(provider => new Qwen3GraphCache(
            Path.Combine((provider.GetService<DataDirectory>() ?? DataDirectory.Resolve(null)).Root, "models")));
        services.TryAddSingleton(provider =>
            provider.GetService<IConfiguration>() is { } configuration ? Qwen3ModelSettings.From(configuration) : new Qwen3ModelSettings());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IEmbeddingModelSource, Qwen3EmbeddingSource>(provider => new Qwen3EmbeddingSource(
            provider.GetRequiredService<Qwen3GraphCache>(), provider.GetRequiredService<Qwen3ModelSettings>().Embedding, provider.GetService<ILoggerFactory>())));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IRerankerSource, Qwen3RerankerSource>(provider => new Qwen3RerankerSource(
            provider.GetRequiredService<Qwen3GraphCache>(), provider.GetRequiredService<Qwen3ModelSettings>().Reranking, provider.GetService<ILoggerFactory>())));
        return services;
    }
}
