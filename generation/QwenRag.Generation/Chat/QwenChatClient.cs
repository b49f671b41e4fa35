using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;
using QwenRag.Core.Models;
using QwenRag.Generation.Generation;
using QwenRag.Generation.Runtime;
using QwenRag.Generation.Tokenization;

namespace QwenRag.Generation.Chat;

/// <summary>
/// An <see cref="IChatClient"/> over one <see cref="QwenOnnxModel"/> and its <see cref="QwenTokenizer"/>: renders the
/// ChatML prompt (Qwen3 without thinking), generates with its <see cref="GenerationScheduler"/> and streams the decoded text.
/// Stops on EOS, &lt;|im_end|&gt;, &lt;|endoftext|&gt;, <see cref="ChatOptions.MaxOutputTokens"/> or a stop sequence,
/// which is not part of the text. When <see cref="ChatOptions.Tools"/> offers tools, the model's
/// <c>&lt;tool_call&gt;</c> blocks become <see cref="FunctionCallContent"/> (see <see cref="QwenToolCallParser"/>) and
/// such a turn finishes with <see cref="ChatFinishReason.ToolCalls"/>; without tools the text is passed on as it is.
/// It is the one generation path of its model: chat through the template, or raw token ids through
/// <see cref="GenerateTokensAsync"/>, all through the scheduler, which decodes concurrent requests in the same passes,
/// admits them by KV memory and refuses one beyond its queue with <see cref="Core.ModelBusyException"/> before its
/// first update (<see cref="GetService"/> hands out the scheduler). It counts its own
/// tokens for prompt packing (<see cref="IChatTokenBudget"/>), within what one request's KV slot holds.
/// </summary>
public sealed class QwenChatClient : IChatClient, IChatTokenBudget
{
    public const string ProviderName = "qwenrag-onnx";

    private readonly QwenOnnxModel _model;
    private readonly QwenTokenizer? _tokenizer;
    private readonly string[] _controlMarkers;
    private readonly bool _ownsModel;
    private readonly GenerationScheduler _scheduler;
    private readonly int[] _stopIds;
    private readonly bool? _enableThinking;
    private readonly ChatClientMetadata _metadata;

    /// <param name="model">The model; the caller keeps ownership and must keep it alive while this client is used.</param>
    /// <param name="tokenizer">
    /// The model's tokenizer; null (a model folder without tokenizer.json) leaves only <see cref="GenerateTokensAsync"/>,
    /// and every other call throws <see cref="InvalidOperationException"/>.
    /// </param>
    /// <param name="modelId">The id reported in metadata and responses.</param>
    /// <param name="template">
    /// How prompts are rendered; null takes Qwen3's template when the tokenizer knows &lt;think&gt;, else plain ChatML
    /// (no tools). <see cref="Open"/> reads it from the model folder.
    /// </param>
    /// <param name="scheduling">How concurrent requests share the model; null takes the defaults.</param>
    /// <param name="logger">Receives the scheduler's slots and refused requests.</param>
    /// <exception cref="ArgumentException">A scheduling option is out of range.</exception>
    public QwenChatClient(
        QwenOnnxModel model, QwenTokenizer? tokenizer, string? modelId = null, QwenChatTemplate? template = null,
        GenerationSchedulerOptions? scheduling = null, ILogger? logger = null)
        : this(model, tokenizer, modelId, template, scheduling, logger, ownsModel: false)
    {
    }

    private QwenChatClient(
        QwenOnnxModel model, QwenTokenizer? tokenizer, string? modelId, QwenChatTemplate? template,
        GenerationSchedulerOptions? scheduling, ILogger? logger, bool ownsModel)
    {
        ArgumentNullException.ThrowIfNull(model);
        _model = model;
        _tokenizer = tokenizer;
        _ownsModel = ownsModel;
        _scheduler = new GenerationScheduler(model, scheduling, logger: logger);
        var stops = new List<int>();
        foreach (var token in new[] { QwenChatTemplate.ImEnd, "<|endoftext|>" })
        {
            if (tokenizer?.TokenId(token) is { } id)
            {
                stops.Add(id);
            }
        }

        if (model.EosTokenId is { } eos)
        {
            stops.Add(eos);
        }

        _stopIds = [.. stops.Distinct()];
        Template = template ?? QwenChatTemplate.ForFamily(tokenizer?.TokenId("<think>") is null ? QwenChatFamily.ChatML : QwenChatFamily.Qwen3);

        // Qwen3 gets enable_thinking=false unless a request asks otherwise, so answers come directly.
        _enableThinking = Template.Family == QwenChatFamily.Qwen3 ? false : null;
        _controlMarkers = tokenizer?.AddedTokens.Keys.Where(token => token.Length > 1).ToArray() ?? [];
        ModelId = modelId ?? "qwen";
        _metadata = new ChatClientMetadata(ProviderName, null, ModelId);
    }

    /// <summary>The id reported in metadata and responses.</summary>
    public string ModelId { get; }

    /// <summary>The chat template prompts are rendered with (its family decides tool support and thinking).</summary>
    public QwenChatTemplate Template { get; }

    /// <summary>The device the model runs on (CUDA may have fallen back to the CPU).</summary>
    public ExecutionDevice Device => _model.Device;

    /// <summary>The most tokens (prompt plus answer) one request may use: the context length, or less when a KV slot holds less.</summary>
    public int ContextTokens => _scheduler.SlotCapacity;

    /// <summary>The scheduler every generation of this client runs on (batch, KV memory, queue).</summary>
    public GenerationScheduler Scheduler => _scheduler;

    /// <summary>The tokenizer's added tokens (&lt;|im_start|&gt;, &lt;tool_call&gt;, &lt;think&gt; and the like).</summary>
    public IReadOnlyCollection<string> ControlMarkers => _controlMarkers;

    private QwenTokenizer Tokenizer => _tokenizer
        ?? throw new InvalidOperationException("This chat client has no tokenizer (no tokenizer.json in the model folder); only token ids can be generated.");

    /// <summary>
    /// Loads the model and tokenizer of a folder written by QwenOnnxBuilder, on the device <paramref name="options"/>
    /// ask for (the choice and its reason go to <paramref name="logger"/>), shared by requests as
    /// <paramref name="scheduling"/> says; the client owns (disposes) the model.
    /// </summary>
    public static QwenChatClient Open(
        string modelDirectory, QwenRuntimeOptions? options = null, ILogger? logger = null, GenerationSchedulerOptions? scheduling = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(modelDirectory);
        var tokenizer = QwenTokenizer.Load(modelDirectory);
        var model = new QwenOnnxModel(modelDirectory, options, logger);
        try
        {
            var id = ModelFolders.IdOf(modelDirectory);
            return new QwenChatClient(
                model, tokenizer, string.IsNullOrEmpty(id) ? null : id, QwenChatTemplate.ForModelDirectory(modelDirectory), scheduling, logger, ownsModel: true);
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    /// <summary>
    /// The prompt for <paramref name="messages"/> as the model's own chat template renders it, with the assistant's
    /// turn opened: <see cref="ChatOptions.Instructions"/> as a leading system message, <see cref="ChatOptions.Tools"/>
    /// in the template's tools block, function calls and results as its tool_call and tool_response turns. Qwen3's
    /// thinking is off unless <see cref="ChatOptions.AdditionalProperties"/> holds <c>enable_thinking</c> = true.
    /// </summary>
    /// <exception cref="ArgumentException">
    /// A message the template cannot carry (an unknown role, an image), or tools for a template without tool calling.
    /// </exception>
    public string RenderPrompt(IEnumerable<ChatMessage> messages, ChatOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var turns = new List<ChatMessage>();
        if (!string.IsNullOrEmpty(options?.Instructions))
        {
            turns.Add(new ChatMessage(ChatRole.System, options.Instructions));
        }

        turns.AddRange(messages);
        var thinking = options?.AdditionalProperties?.TryGetValue("enable_thinking", out bool enabled) == true ? enabled : _enableThinking;
        return Template.Render(turns, options?.Tools, addGenerationPrompt: true, enableThinking: thinking);
    }

    /// <summary>Maps chat options to sampling options for a prompt of <paramref name="promptTokens"/> tokens.</summary>
    public SamplingOptions ToSamplingOptions(ChatOptions? options, int promptTokens)
    {
        var room = ContextTokens - promptTokens;
        if (room < 1)
        {
            throw new ArgumentException(ContextTokens == _model.ContextLength
                ? $"The prompt of {promptTokens} tokens leaves no room in the model's context of {_model.ContextLength} tokens."
                : $"The prompt of {promptTokens} tokens leaves no room in the {ContextTokens} tokens one request's KV cache holds (KvCacheBytes).");
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

    /// <summary>Tokens of <paramref name="text"/> by the model's tokenizer.</summary>
    public int CountTokens(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return Tokenizer.Encode(text).Count;
    }

    /// <summary>Tokens of <see cref="RenderPrompt"/>'s prompt for <paramref name="messages"/>.</summary>
    public int CountPromptTokens(IEnumerable<ChatMessage> messages, ChatOptions? options = null) =>
        Tokenizer.Encode(RenderPrompt(messages, options)).Count;

    /// <summary>
    /// Generates from <paramref name="promptTokens"/> as they are (no template), with the sampling and stop tokens chat
    /// uses (<see cref="ToSamplingOptions"/>; stop sequences do not apply), and streams the new token ids.
    /// </summary>
    /// <exception cref="ArgumentException">The prompt is empty, leaves no room in the context, or an option is out of range.</exception>
    public IAsyncEnumerable<int> GenerateTokensAsync(IReadOnlyList<int> promptTokens, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(promptTokens);
        return _scheduler.GenerateAsync(promptTokens, ToSamplingOptions(options, promptTokens.Count), cancellationToken);
    }

    public async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
        await GetStreamingResponseAsync(messages, options, cancellationToken).ToChatResponseAsync(cancellationToken).ConfigureAwait(false);

    public IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        // Prompt, options and context checks fail at the call, not at the first MoveNext.
        var prompt = Tokenizer.Encode(RenderPrompt(messages, options));
        var sampling = ToSamplingOptions(options, prompt.Count);
        var stops = options?.StopSequences?.Where(stop => !string.IsNullOrEmpty(stop)).ToArray() ?? [];
        var calls = options?.Tools is { Count: > 0 } ? new QwenToolCallParser() : null;
        var tokens = _scheduler.GenerateAsync(prompt, sampling, cancellationToken);
        return Stream(tokens, sampling.MaxNewTokens, stops, calls, cancellationToken);
    }

    private async IAsyncEnumerable<ChatResponseUpdate> Stream(
        IAsyncEnumerable<int> tokens, int maxTokens, string[] stops, QwenToolCallParser? calls, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var responseId = Guid.NewGuid().ToString("N");
        var decoder = Tokenizer.CreateStreamingDecoder(skipSpecialTokens: true);
        var pending = string.Empty;
        var count = 0;
        var stopped = false;
        await foreach (var token in tokens.WithCancellation(cancellationToken).ConfigureAwait(false))
        {
            count++;
            pending += Push(decoder, token);
            var (text, hit) = Release(ref pending, stops, final: false);
            foreach (var update in Updates(responseId, text, calls))
            {
                yield return update;
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
            foreach (var update in Updates(responseId, text, calls))
            {
                yield return update;
            }
        }

        foreach (var content in calls?.Flush() ?? [])
        {
            yield return Update(responseId, content);
        }

        yield return new ChatResponseUpdate(ChatRole.Assistant, (string?)null)
        {
            ResponseId = responseId,
            ModelId = ModelId,
            FinishReason = calls?.HasCalls == true ? ChatFinishReason.ToolCalls
                : !stopped && count >= maxTokens ? ChatFinishReason.Length
                : ChatFinishReason.Stop,
        };
    }

    /// <summary>The updates released text makes: itself, or with tools offered, its text and completed calls.</summary>
    private IEnumerable<ChatResponseUpdate> Updates(string responseId, string text, QwenToolCallParser? calls)
    {
        if (text.Length == 0)
        {
            yield break;
        }

        if (calls is null)
        {
            yield return Update(responseId, new TextContent(text));
            yield break;
        }

        foreach (var content in calls.Push(text))
        {
            yield return Update(responseId, content);
        }
    }

    /// <summary>
    /// The text one generated id completes. A model's embedding table is padded past the tokenizer's ids (151,936
    /// rows for 151,669 tokens); such an id has no text and is skipped.
    /// </summary>
    private static string Push(StreamingDecoder decoder, int token)
    {
        try
        {
            return decoder.Push(token);
        }
        catch (ArgumentOutOfRangeException)
        {
            return string.Empty;
        }
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

    private ChatResponseUpdate Update(string responseId, AIContent content) =>
        new(ChatRole.Assistant, [content]) { ResponseId = responseId, ModelId = ModelId };

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

        if (serviceType == typeof(GenerationScheduler))
        {
            return _scheduler;
        }

        return serviceType.IsInstanceOfType(this) ? this : null;
    }

    public void Dispose()
    {
        _scheduler.Dispose();
        if (_ownsModel)
        {
            _model.Dispose();
        }
    }
}
