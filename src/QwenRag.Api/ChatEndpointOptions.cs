using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;
using QwenRag.Generation.Chat;

namespace QwenRag.Api;

/// <summary>
/// An OpenAI-compatible chat server that answers questions instead of the local model (section <c>QwenRag:Chat</c>):
/// <c>Endpoint</c> (the API's base address, e.g. <c>http://127.0.0.1:8000/v1</c>; unset keeps the local model or
/// extractive answers), <c>Model</c> (required with an endpoint), <c>ApiKey</c> (optional) and <c>ContextTokens</c>
/// (the model's context size, which sources are packed against by an estimate). Read and checked while the app is
/// built; a bad value stops startup.
/// </summary>
public sealed class ChatEndpointOptions
{
    public const string SectionName = "QwenRag:Chat";

    public string? Endpoint { get; set; }

    public string? Model { get; set; }

    public string? ApiKey { get; set; }

    public int ContextTokens { get; set; } = ChatServerOptions.DefaultContextTokens;

    /// <summary>The server to answer with, or null when no endpoint is configured.</summary>
    /// <exception cref="OptionsValidationException">A value is missing or out of range.</exception>
    public static ChatServerOptions? Read(IConfiguration configuration)
    {
        var options = configuration.GetSection(SectionName).Get<ChatEndpointOptions>() ?? new ChatEndpointOptions();
        if (string.IsNullOrWhiteSpace(options.Endpoint))
        {
            return null;
        }

        var failures = new List<string>();
        if (!Uri.TryCreate(options.Endpoint, UriKind.Absolute, out var endpoint)
            || (endpoint.Scheme != Uri.UriSchemeHttp && endpoint.Scheme != Uri.UriSchemeHttps))
        {
            failures.Add($"{SectionName}:Endpoint must be an absolute http or https address (was '{options.Endpoint}').");
        }

        if (string.IsNullOrWhiteSpace(options.Model))
        {
            failures.Add($"{SectionName}:Model must name the server's model when {SectionName}:Endpoint is set.");
        }

        if (options.ContextTokens < 1)
        {
            failures.Add($"{SectionName}:ContextTokens must be 1 or more (was {options.ContextTokens}).");
        }

        if (failures.Count > 0)
        {
            throw new OptionsValidationException(Options.DefaultName, typeof(ChatEndpointOptions), failures);
        }

        return new ChatServerOptions { Endpoint = endpoint!, Model = options.Model!, ApiKey = options.ApiKey, ContextTokens = options.ContextTokens };
    }
}
