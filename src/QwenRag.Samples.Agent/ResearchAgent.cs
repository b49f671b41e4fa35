using System.ClientModel;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.SemanticKernel;
using Microsoft.SemanticKernel.ChatCompletion;
using OpenAI;
using QwenRag.Core;
using QwenRag.Generation.Chat;
using QwenRag.Hosting;
using QwenRag.SemanticKernel;

namespace QwenRag.Samples.Agent;

/// <summary>
/// The sample: a Semantic Kernel agent whose only tools are QwenRag's functions over one set, on any chat model
/// (the local Qwen, or an OpenAI-compatible server). SK's automatic function calling runs the loop: the model
/// searches as often as the question needs, then answers citing document and page.
/// </summary>
public static class ResearchAgent
{
    public const string Instructions =
        "You are a research assistant for a collection of documents. Use the qwenrag tools to find the facts: " +
        "search once per part of the question (a question about two things needs two searches), then answer " +
        "briefly from what the tools returned, citing each fact as (document, page). If the tools find nothing, say so.";

    /// <summary>A chat client for the local Qwen model in <paramref name="modelDirectory"/>.</summary>
    public static IChatClient LocalQwen(string modelDirectory) => QwenChatClient.Open(modelDirectory);

    /// <summary>A chat client for an OpenAI-compatible server (vLLM, llama.cpp, Ollama, OpenAI).</summary>
    public static IChatClient OpenAiCompatible(Uri endpoint, string model, string? apiKey) =>
        new OpenAI.Chat.ChatClient(model, new ApiKeyCredential(string.IsNullOrEmpty(apiKey) ? "none" : apiKey), new OpenAIClientOptions { Endpoint = endpoint })
            .AsIChatClient();

    /// <summary>Builds the kernel: QwenRag in process over <paramref name="data"/>, its plugin, and the chat model.</summary>
    public static Kernel BuildKernel(IChatClient chat, DataDirectory data, string set)
    {
        var builder = Kernel.CreateBuilder();
        builder.Services.AddLogging();
        builder.Services.AddQwenRag(data);
        builder.Plugins.AddQwenRag(options => options.DefaultSet = set);
        // SK runs the tools itself only when its own function-invoking client wraps the model.
        builder.Services.AddSingleton(new ChatClientBuilder(chat).UseKernelFunctionInvocation().Build().AsChatCompletionService());
        return builder.Build();
    }

    /// <summary>Asks the agent <paramref name="question"/>; the reply after every tool call it chose to make.</summary>
    public static async Task<string> AskAsync(Kernel kernel, string question, CancellationToken cancellationToken = default)
    {
        var history = new ChatHistory(Instructions);
        history.AddUserMessage(question);
        var settings = new PromptExecutionSettings { FunctionChoiceBehavior = FunctionChoiceBehavior.Auto() };
        var reply = await kernel.GetRequiredService<IChatCompletionService>()
            .GetChatMessageContentAsync(history, settings, kernel, cancellationToken);
        return reply.Content ?? string.Empty;
    }
}
