using Microsoft.Extensions.AI;
using QwenRag.Core.Models;
using QwenRag.Generation.Runtime;
using QwenRag.Generation.Tokenization;

namespace QwenRag.Generation.RetrievalModels;

/// <summary>
/// Qwen3-Embedding through QwenRag's own graph and runtime: the text (a query as
/// <c>Instruct: {task}\nQuery:{query}</c>, a document bare) is tokenized, truncated, &lt;|endoftext|&gt; appended, and
/// the final-norm hidden state at that token (last-token pooling) is L2-normalised. Texts are embedded in batches of
/// similar lengths. Owns its <see cref="QwenHiddenStateModel"/> (one session per generator, so the query generator's
/// threads stay apart from the bulk one's).
/// </summary>
public sealed class Qwen3EmbeddingGenerator : IEmbeddingGenerator<string, Embedding<float>>
{
    public const string ProviderName = "qwenrag-onnx";
    public const string EndOfText = "<|endoftext|>";

    private readonly QwenHiddenStateModel _model;
    private readonly QwenTokenizer _tokenizer;
    private readonly Qwen3EmbeddingOptions _options;
    private readonly string _prefix;
    private readonly int _endOfText;
    private readonly EmbeddingModelInfo _info;
    private readonly EmbeddingGeneratorMetadata _metadata;

    /// <param name="model">The hidden-state model; this generator owns and disposes it.</param>
    /// <param name="tokenizer">The checkpoint's tokenizer.</param>
    /// <param name="modelId">The id recorded per set (the checkpoint folder's name).</param>
    /// <param name="role">Whether texts are queries (with the instruction) or documents.</param>
    /// <param name="maxPositions">The checkpoint's max_position_embeddings.</param>
    /// <param name="options">Instruction, bounds and batching.</param>
    /// <exception cref="ArgumentException">The tokenizer has no &lt;|endoftext|&gt;.</exception>
    public Qwen3EmbeddingGenerator(
        QwenHiddenStateModel model, QwenTokenizer tokenizer, string modelId, EmbeddingRole role, int maxPositions, Qwen3EmbeddingOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(tokenizer);
        ArgumentException.ThrowIfNullOrWhiteSpace(modelId);
        _options = options ?? new Qwen3EmbeddingOptions();
        _options.Validate();
        _model = model;
        _tokenizer = tokenizer;
        _endOfText = tokenizer.TokenId(EndOfText) ?? throw new ArgumentException($"The tokenizer has no {EndOfText} token, which Qwen3-Embedding pools on.", nameof(tokenizer));
        Role = role;
        _prefix = role == EmbeddingRole.Query ? $"Instruct: {_options.QueryInstruction}\nQuery:" : string.Empty;
        MaxInputTokens = Math.Min(_options.MaxInputTokens, Math.Min(maxPositions, model.ContextLength));
        _info = new EmbeddingModelInfo(modelId, model.HiddenSize, MaxInputTokens);
        _metadata = new EmbeddingGeneratorMetadata(ProviderName, null, modelId, model.HiddenSize);
    }

    public EmbeddingRole Role { get; }

    /// <summary>Most tokens per text, &lt;|endoftext|&gt; included.</summary>
    public int MaxInputTokens { get; }

    public int Dimensions => _model.HiddenSize;

    /// <summary>The device the model runs on.</summary>
    public ExecutionDevice Device => _model.Device;

    public Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(
        IEnumerable<string> values, EmbeddingGenerationOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(values);
        if (options?.Dimensions is { } dimensions && dimensions != Dimensions)
        {
            throw new ArgumentException($"{_info.ModelId} produces {Dimensions} dimensions, not {dimensions}.", nameof(options));
        }

        var texts = values as IReadOnlyList<string> ?? values.ToList();
        var tokens = new IReadOnlyList<int>[texts.Count];
        long tokenCount = 0;
        for (var i = 0; i < texts.Count; i++)
        {
            tokens[i] = Tokenize(texts[i] ?? string.Empty);
            tokenCount += tokens[i].Count;
        }

        var vectors = new float[texts.Count][];
        foreach (var batch in TokenBatches.Plan(tokens, _options.BatchTokens, _options.MaxBatchSize))
        {
            cancellationToken.ThrowIfCancellationRequested();
            var states = _model.LastHiddenStates(batch.Select(i => tokens[i]).ToArray());
            for (var j = 0; j < batch.Length; j++)
            {
                vectors[batch[j]] = Normalize(states[j]);
            }
        }

        var created = DateTimeOffset.UtcNow;
        var embeddings = new GeneratedEmbeddings<Embedding<float>>(vectors.Length)
        {
            Usage = new UsageDetails { InputTokenCount = tokenCount, TotalTokenCount = tokenCount },
        };
        foreach (var vector in vectors)
        {
            embeddings.Add(new Embedding<float>(vector) { ModelId = _info.ModelId, CreatedAt = created });
        }

        return Task.FromResult(embeddings);
    }

    /// <summary>The ids embedded for <paramref name="text"/>: role prefix and text, truncated, then &lt;|endoftext|&gt;.</summary>
    public IReadOnlyList<int> Tokenize(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var ids = TokenBatches.Truncated(_tokenizer, _prefix + text, MaxInputTokens - 1);
        var result = new int[ids.Count + 1];
        for (var i = 0; i < ids.Count; i++)
        {
            result[i] = ids[i];
        }

        result[^1] = _endOfText;
        return result;
    }

    public object? GetService(Type serviceType, object? serviceKey = null)
    {
        ArgumentNullException.ThrowIfNull(serviceType);
        return serviceKey is not null ? null
            : serviceType == typeof(EmbeddingModelInfo) ? _info
            : serviceType == typeof(EmbeddingGeneratorMetadata) ? _metadata
            : serviceType.IsInstanceOfType(this) ? this
            : null;
    }

    public void Dispose() => _model.Dispose();

    private static float[] Normalize(float[] vector)
    {
        double squares = 0;
        foreach (var value in vector)
        {
            squares += (double)value * value;
        }

        var scale = squares > 0 ? 1 / Math.Sqrt(squares) : 0;
        for (var i = 0; i < vector.Length; i++)
        {
            vector[i] = (float)(vector[i] * scale);
        }

        return vector;
    }
}
