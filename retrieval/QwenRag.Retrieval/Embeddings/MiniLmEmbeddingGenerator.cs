using Microsoft.Extensions.AI;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.Tokenizers;

namespace QwenRag.Retrieval.Embeddings;

/// <summary>
/// all-MiniLM-L6-v2 sentence embeddings (384 dims, L2-normalised) through ONNX Runtime: WordPiece tokens,
/// the transformer, mean pooling over the attention mask, normalisation, as sentence-transformers does.
/// Thread-safe; owns its <see cref="InferenceSession"/>.
/// </summary>
public sealed class MiniLmEmbeddingGenerator : IEmbeddingGenerator<string, Embedding<float>>
{
    public const string ModelId = "all-MiniLM-L6-v2";

    private static readonly string[] InputNames = ["input_ids", "attention_mask", "token_type_ids"];

    private readonly MiniLmEmbeddingOptions _options;
    private readonly BertTokenizer _tokenizer;
    private readonly InferenceSession _session;
    private readonly string _outputName;
    private readonly EmbeddingGeneratorMetadata _metadata;
    private int _users;
    private int _disposed;
    private int _released;

    public MiniLmEmbeddingGenerator(MiniLmEmbeddingOptions? options = null)
    {
        _options = options ?? new MiniLmEmbeddingOptions();
        ArgumentOutOfRangeException.ThrowIfLessThan(_options.BatchSize, 1, nameof(options));
        ArgumentOutOfRangeException.ThrowIfLessThan(_options.MaxInputTokens, 2, nameof(options));
        if (_options.IntraOpThreads is < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(options), "IntraOpThreads must be 1 or more when set.");
        }

        ArgumentOutOfRangeException.ThrowIfGreaterThan(_options.MaxInputTokens, MiniLmResources.MaxInputTokens, nameof(options));

        _tokenizer = MiniLmResources.CreateTokenizer();
        using var sessionOptions = new SessionOptions
        {
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
            IntraOpNumThreads = _options.IntraOpThreads ?? Environment.ProcessorCount,
        };
        sessionOptions.AddSessionConfigEntry("session.intra_op.allow_spinning", _options.AllowSpinning ? "1" : "0");
        _session = new InferenceSession(MiniLmResources.ReadModel(), sessionOptions);
        foreach (var name in InputNames)
        {
            if (!_session.InputMetadata.ContainsKey(name))
            {
                _session.Dispose();
                throw new InvalidOperationException($"The MiniLM model has no input '{name}'.");
            }
        }

        // The token embeddings output: [batch, sequence, 384].
        _outputName = _session.OutputMetadata.FirstOrDefault(o => o.Value.Dimensions.Length == 3).Key
            ?? throw new InvalidOperationException("The MiniLM model has no [batch, sequence, hidden] output.");
        _metadata = new EmbeddingGeneratorMetadata("onnxruntime", null, ModelId, MiniLmResources.Dimensions);
    }

    public int Dimensions => MiniLmResources.Dimensions;

    public Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(
        IEnumerable<string> values,
        EmbeddingGenerationOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(values);
        if (options?.Dimensions is { } dimensions && dimensions != MiniLmResources.Dimensions)
        {
            throw new ArgumentException($"{ModelId} produces {MiniLmResources.Dimensions} dimensions, not {dimensions}.", nameof(options));
        }

        // Inference is CPU-bound and ONNX Runtime spreads each run over its own threads: run it inline.
        var texts = values as IReadOnlyList<string> ?? values.ToList();
        var vectors = Embed(texts, out var tokenCount, cancellationToken);
        var created = DateTimeOffset.UtcNow;
        var embeddings = new GeneratedEmbeddings<Embedding<float>>(vectors.Length)
        {
            Usage = new UsageDetails { InputTokenCount = tokenCount, TotalTokenCount = tokenCount },
        };
        foreach (var vector in vectors)
        {
            embeddings.Add(new Embedding<float>(vector) { ModelId = ModelId, CreatedAt = created });
        }

        return Task.FromResult(embeddings);
    }

    /// <summary>Embeds <paramref name="texts"/>, one normalised 384-float vector each, in input order.</summary>
    public float[][] Embed(IReadOnlyList<string> texts, CancellationToken cancellationToken = default) =>
        Embed(texts, out _, cancellationToken);

    public object? GetService(Type serviceType, object? serviceKey = null)
    {
        ArgumentNullException.ThrowIfNull(serviceType);
        return serviceKey is not null ? null
            : serviceType == typeof(EmbeddingGeneratorMetadata) ? _metadata
            : serviceType.IsInstanceOfType(this) ? this
            : null;
    }

    /// <summary>The word-piece ids the model reads for <paramref name="text"/>: [CLS], pieces, [SEP], truncated.</summary>
    internal int[] Tokenize(string text)
    {
        var room = _options.MaxInputTokens - 2;

        // The tokenizer stops at a word boundary; a word has at most 100 pieces (longer words become [UNK]), so
        // asking for 100 more and cutting gives Hugging Face's piece-exact truncation.
        // ML.Tokenizers' BertTokenizer deletes line breaks and tabs instead of splitting on them, which would
        // glue the words on either side ("a\nb" -> "ab"); Hugging Face treats them as spaces.
        var spaced = text.AsSpan().IndexOfAny('\n', '\r', '\t') < 0
            ? text
            : text.Replace('\n', ' ').Replace('\r', ' ').Replace('\t', ' ');
        var pieces = _tokenizer.EncodeToIds(spaced, room + 100, addSpecialTokens: false, out _, out _);
        var length = Math.Min(pieces.Count, room);
        var ids = new int[length + 2];
        ids[0] = _tokenizer.ClassificationTokenId;
        for (var i = 0; i < length; i++)
        {
            ids[i + 1] = pieces[i];
        }

        ids[^1] = _tokenizer.SeparatorTokenId;
        return ids;
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0 && Volatile.Read(ref _users) == 0)
        {
            Release();
        }
    }

    private float[][] Embed(IReadOnlyList<string> texts, out int tokenCount, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(texts);
        var tokens = new int[texts.Count][];
        tokenCount = 0;
        for (var i = 0; i < texts.Count; i++)
        {
            tokens[i] = Tokenize(texts[i] ?? string.Empty);
            tokenCount += tokens[i].Length;
        }

        // Similar lengths share a batch, so little padding is computed.
        var order = Enumerable.Range(0, tokens.Length).OrderBy(i => tokens[i].Length).ToArray();
        var results = new float[texts.Count][];
        Enter();
        try
        {
            for (var start = 0; start < order.Length; start += _options.BatchSize)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var batch = order.AsSpan(start, Math.Min(_options.BatchSize, order.Length - start));
                RunBatch(tokens, batch, results);
            }
        }
        finally
        {
            Exit();
        }

        return results;
    }

    private void RunBatch(int[][] tokens, ReadOnlySpan<int> batch, float[][] results)
    {
        var rows = batch.Length;
        var columns = 0;
        foreach (var index in batch)
        {
            columns = Math.Max(columns, tokens[index].Length);
        }

        var ids = new long[rows * columns];
        var mask = new long[rows * columns];
        var types = new long[rows * columns];
        for (var r = 0; r < rows; r++)
        {
            var row = tokens[batch[r]];
            for (var c = 0; c < row.Length; c++)
            {
                ids[(r * columns) + c] = row[c];
                mask[(r * columns) + c] = 1;
            }
        }

        long[] shape = [rows, columns];
        using var idsValue = OrtValue.CreateTensorValueFromMemory(ids, shape);
        using var maskValue = OrtValue.CreateTensorValueFromMemory(mask, shape);
        using var typesValue = OrtValue.CreateTensorValueFromMemory(types, shape);
        using var runOptions = new RunOptions();
        using var outputs = _session.Run(runOptions, InputNames, [idsValue, maskValue, typesValue], [_outputName]);
        var hidden = outputs[0].GetTensorDataAsSpan<float>();
        var width = MiniLmResources.Dimensions;
        for (var r = 0; r < rows; r++)
        {
            var length = tokens[batch[r]].Length;
            var vector = new float[width];

            // Mean over the real tokens (padding is masked out), then L2 normalisation.
            for (var c = 0; c < length; c++)
            {
                var token = hidden.Slice(((r * columns) + c) * width, width);
                for (var d = 0; d < width; d++)
                {
                    vector[d] += token[d];
                }
            }

            var norm = 0.0;
            for (var d = 0; d < width; d++)
            {
                vector[d] /= length;
                norm += vector[d] * (double)vector[d];
            }

            var scale = (float)(1 / Math.Max(Math.Sqrt(norm), 1e-12));
            for (var d = 0; d < width; d++)
            {
                vector[d] *= scale;
            }

            results[batch[r]] = vector;
        }
    }

    private void Enter()
    {
        Interlocked.Increment(ref _users);
        if (Volatile.Read(ref _disposed) != 0)
        {
            Exit();
            throw new ObjectDisposedException(nameof(MiniLmEmbeddingGenerator));
        }
    }

    private void Exit()
    {
        // The last run to finish after Dispose frees the session.
        if (Interlocked.Decrement(ref _users) == 0 && Volatile.Read(ref _disposed) != 0)
        {
            Release();
        }
    }

    private void Release()
    {
        if (Interlocked.Exchange(ref _released, 1) == 0)
        {
            _session.Dispose();
        }
    }
}
