using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;
using QwenRag.Generation.Generation;
using QwenRag.Generation.Runtime;
using QwenRag.Generation.Tokenization;

namespace QwenRag.Generation.Chat;

/// <summary>
/// An <see cref="IChatClient"/> over one <see cref="QwenOnnxModel"/> and its <see cref="QwenTokenizer"/>: renders the
/// ChatML prompt (Qwen3 without thinking), generates with <see cref="TokenGenerator"/> and streams the decoded text.
/// Stops on EOS, &lt;|im_end|&gt;, &lt;|endoftext|&gt;, <see cref="ChatOptions.MaxOutputTokens"/> or a stop sequence,
/// which is not part of the text.
/// </summary>
public sealed class QwenChatClient : IChatClient
{
    public const string ProviderName = "qwenrag-onnx";

    private readonly QwenOnnxModel _model;
    private readonly QwenTokenizer _tokenizer;
    private readonly bool _ownsModel;
    private readonly TokenGenerator _generator;
    private readonly int[] _stopIds;
    private readonly bool? _enableThinking;
    private readonly ChatClientMetadata _metadata;

    /// <param name="model">The model; the caller keeps ownership and must keep it alive while this client is used.</param>
    /// <param name="tokenizer">The model's tokenizer.</param>
    /// <param name="modelId">The id reported in metadata and responses.</param>
    public QwenChatClient(QwenOnnxModel model, QwenTokenizer tokenizer, string? modelId = null)
        : this(model, tokenizer, modelId, ownsModel: false)
    {
    }

    private QwenChatClient(QwenOnnxModel model, QwenTokenizer tokenizer, string? modelId, bool ownsModel)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(tokenizer);
        _model = model;
        _tokenizer = tokenizer;
        _ownsModel = ownsModel;
        _generator = new TokenGenerator(model);
        var stops = new List<int>();
        foreach (var token in new[] { ChatTemplate.ImEnd, "<|endoftext|>" })
        {
            if (tokenizer.TokenId(token) is { } id)
            {
                stops.Add(id);
            }
        }

        if (model.EosTokenId is { } eos)
        {
            stops.Add(eos);
        }

        _stopIds = [.. stops.Distinct()];
        // Qwen3's tokenizer knows <think>; its template then gets enable_thinking=false so answers come directly.
        _enableThinking = tokenizer.TokenId("<think>") is null ? null : false;
        ModelId = modelId ?? "qwen";
        _metadata = new ChatClientMetadata(ProviderName, null, ModelId);
    }

    /// <summary>The id reported in metadata and responses.</summary>
    public string ModelId { get; }

    /// <summary>
    /// Loads the model and tokenizer of a folder written by QwenOnnxBuilder, on the device <paramref name="options"/>
    /// ask for (the choice and its reason go to <paramref name="logger"/>); the client owns (disposes) the model.
    /// </summary>
    public static QwenChatClient Open(string modelDirectory, QwenRuntimeOptions? options = null, ILogger? logger = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(modelDirectory);
        var tokenizer = QwenTokenizer.Load(modelDirectory);
        var model = new QwenOnnxModel(modelDirectory, options, logger);
        var id = Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(modelDirectory)));
        return new QwenChatClient(model, tokenizer, string.IsNullOrEmpty(id) ? null : id, ownsModel: true);
    }

    /// <summary>The ChatML prompt for <paramref name="messages"/>, with the assistant's turn opened.</summary>
    public string RenderPrompt(IEnumerable<ChatMessage> messages, ChatOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var turns = new List<(string Role, string Content)>();
        if (!string.IsNullOrEmpty(options?.Instructions))
        {
            turns.Add(("system", options.Instructions));
        }

        foreach (var message in messages)
        {
            string role;
            if (message.Role == ChatRole.System)
            {
                role = "system";
            }
            else if (message.Role == ChatRole.User)
            {
                role = "user";
            }
            else if (message.Role == ChatRole.Assistant)
            {
                role = "assistant";
            }
            else
            {
                throw new ArgumentException($"Role '{message.Role}' is not supported; use system, user or assistant.", nameof(messages));
            }

            turns.Add((role, message.Text));
        }

        return ChatTemplate.Render(turns, addGenerationPrompt: true, enableThinking: _enableThinking);
    }

    /// <summary>Maps chat options to sampling options for a prompt of <paramref name="promptTokens"/> tokens.</summary>
    public SamplingOptions ToSamplingOptions(ChatOptions? options, int promptTokens)
    {
        var room = _model.ContextLength - promptTokens;
        if (room < 1)
        {
            throw new ArgumentException($"The prompt of {promptTokens} tokens leaves no room in the model's context of {_model.ContextLength} tokens.");
        }

        var defaults = new SamplingOptions();
        var sampling = new SamplingOptions
        {
            Temperature = options?.Temperature ?? defaults.Temperature,
            Greedy = options?.Temperature == 0,
            TopP = options?.TopP ?? defaults.TopP,
            TopK = options?.TopK ?? defaults.TopK,
            Seed = options?.Seed is { } seed ? unchecked((int)seed) : null,
            MaxNewTokens = options?.MaxOutputTokens ?? Math.Min(defaults.MaxNewTokens, room),
            StopTokenIds = _stopIds,
        };
        sampling.Validate();
        return sampling;
    }

    public async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
        await GetStreamingResponseAsync(messages, options, cancellationToken).ToChatResponseAsync(cancellationToken).ConfigureAwait(false);

    public IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        // Prompt, options and context checks fail at the call, not at the first MoveNext.
        var prompt = _tokenizer.Encode(RenderPrompt(messages, options));
        var sampling = ToSamplingOptions(options, prompt.Count);
        var stops = options?.StopSequences?.Where(stop => !string.IsNullOrEmpty(stop)).ToArray() ?? [];
        var tokens = _generator.GenerateAsync(prompt, sampling, cancellationToken);
        return Stream(tokens, sampling.MaxNewTokens, stops, cancellationToken);
    }

    private async IAsyncEnumerable<ChatResponseUpdate> Stream(IAsyncEnumerable<int> tokens, int maxTokens, string[] stops, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var responseId = Guid.NewGuid().ToString("N");
        var decoder = _tokenizer.CreateStreamingDecoder(skipSpecialTokens: true);
        var pending = string.Empty;
        var count = 0;
        var stopped = false;
        await foreach (var token in tokens.WithCancellation(cancellationToken).ConfigureAwait(false))
        {
            count++;
            pending += decoder.Push(token);
            var (text, hit) = Release(ref pending, stops, final: false);
            if (text.Length > 0)
            {
                yield return Update(responseId, text);
            }

            if (hit)
            {
                stopped = true;
                break;
            }
        }

        if (!stopped)
        {
            pending += decoder.Flush();
            var (text, _) = Release(ref pending, stops, final: true);
            if (text.Length > 0)
            {
                yield return Update(responseId, text);
            }
        }

        yield return new ChatResponseUpdate(ChatRole.Assistant, (string?)null)
        {
            ResponseId = responseId,
            ModelId = ModelId,
            FinishReason = !stopped && count >= maxTokens ? ChatFinishReason.Length : ChatFinishReason.Stop,
        };
    }

    /// <summary>
    /// The part of <paramref name="pending"/> safe to emit: everything before a stop sequence (hit), or everything but a
    /// tail that could still grow into one. With <paramref name="final"/>, nothing is held back.
    /// </summary>
    internal static (string Text, bool Hit) Release(ref string pending, IReadOnlyList<string> stops, bool final)
    {
        if (stops.Count == 0)
        {
            var all = pending;
            pending = string.Empty;
            return (all, false);
        }

        var first = -1;
        foreach (var stop in stops)
        {
            var at = pending.IndexOf(stop, StringComparison.Ordinal);
            if (at >= 0 && (first < 0 || at < first))
            {
                first = at;
            }
        }

        if (first >= 0)
        {
            var before = pending[..first];
            pending = string.Empty;
            return (before, true);
        }

        var hold = 0;
        if (!final)
        {
            foreach (var stop in stops)
            {
                for (var length = Math.Min(stop.Length - 1, pending.Length); length > hold; length--)
                {
                    if (pending.AsSpan(pending.Length - length).SequenceEqual(stop.AsSpan(0, length)))
                    {
                        hold = length;
                        break;
                    }
                }
            }
        }

        var text = pending[..^hold];
        pending = pending[^hold..];
        return (text, false);
    }

    private ChatResponseUpdate Update(string responseId, string text) =>
        new(ChatRole.Assistant, text) { ResponseId = responseId, ModelId = ModelId };

    public object? GetService(Type serviceType, object? serviceKey = null)
    {
        ArgumentNullException.ThrowIfNull(serviceType);
        if (serviceKey is not null)
        {
            return null;
        }

        if (serviceType == typeof(ChatClientMetadata))
        {
            return _metadata;
        }

        return serviceType.IsInstanceOfType(this) ? this : null;
    }

    public void Dispose()
    {
        if (_ownsModel)
        {
            _model.Dispose();
        }
    }
}
