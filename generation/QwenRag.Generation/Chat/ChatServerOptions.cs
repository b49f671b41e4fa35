namespace QwenRag.Generation.Chat;

/// <summary>An OpenAI-compatible chat server (OpenAI, vLLM, llama.cpp's server, Ollama's /v1) that answers instead of the local model.</summary>
public sealed record ChatServerOptions
{
    public const int DefaultContextTokens = 8192;

    /// <summary>The API's base address, e.g. <c>http://127.0.0.1:8000/v1</c> (requests go to <c>{Endpoint}/chat/completions</c>).</summary>
    public required Uri Endpoint { get; init; }

    /// <summary>The model the server is asked for.</summary>
    public required string Model { get; init; }

    /// <summary>Sent as the bearer token; null or empty sends a placeholder, which servers without keys ignore.</summary>
    public string? ApiKey { get; init; }

    /// <summary>The model's context size in tokens, which sources are packed against (an estimate: the tokenizer is not here).</summary>
    public int ContextTokens { get; init; } = DefaultContextTokens;
}
