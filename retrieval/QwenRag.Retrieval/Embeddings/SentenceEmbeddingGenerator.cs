using Microsoft.Extensions.AI;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.Tokenizers;
using QwenRag.Core;
using QwenRag.Core.Models;

namespace QwenRag.Retrieval.Embeddings;

/// <summary>
/// Sentence embeddings of a BERT-family sentence-transformers model (<see cref="SentenceEmbeddingModel"/>: a shipped
/// one or a folder) through ONNX Runtime: the role's prefix, WordPiece tokens, the transformer, the model's pooling
/// (mean over the attention mask, [CLS] or last token), L2 normalisation when the model has it, as
/// sentence-transformers does. Thread-safe; owns its <see cref="InferenceSession"/>.
/// </summary>
public sealed class SentenceEmbeddingGenerator : IEmbeddingGenerator<string, Embedding<float>>
{
    private const string TokenTypesInput = "token_type_ids";

    private readonly SentenceEmbeddingOptions _options;
    private readonly SentenceEmbeddingModel _model;
    private readonly BertTokenizer _tokenizer;
    private readonly int _maxInputTokens;
    private readonly string _prefix;
    private readonly InferenceSession _session;
    private readonly string[] _inputNames;
    private readonly string _outputName;
    private readonly int _dimensions;
    private readonly EmbeddingGeneratorMetadata _metadata;
    private readonly EmbeddingModelInfo _info;
    private readonly LastUserRelease _lifetime;

    /// <exception cref="InvalidOperationException">The ONNX graph lacks the inputs or the token output a BERT model has.</exception>
    public SentenceEmbeddingGenerator(SentenceEmbeddingOptions? options = null)
    {
        _options = options ?? new SentenceEmbeddingOptions();
        _model = _options.Model;
        ArgumentOutOfRangeException.ThrowIfLessThan(_options.BatchSize, 1, nameof(options));
        if (_options.IntraOpThreads is < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(options), "IntraOpThreads must be 1 or more when set.");
        }

        _maxInputTokens = _options.MaxInputTokens ?? _model.MaxInputTokens;
        ArgumentOutOfRangeException.ThrowIfLessThan(_maxInputTokens, 2, nameof(options));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(_maxInputTokens, _model.MaxInputTokens, nameof(options));
        _prefix = _model.PrefixFor(_options.Role);
        _tokenizer = _model.CreateTokenizer();
        using var sessionOptions = new SessionOptions
        {
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
            IntraOpNumThreads = _options.IntraOpThreads ?? Environment.ProcessorCount,
        };
        sessionOptions.AddSessionConfigEntry("session.intra_op.allow_spinning", _options.AllowSpinning ? "1" : "0");
        _session = _model.OpenSession(sessionOptions);
        try
        {
            foreach (var name in new[] { "input_ids", "attention_mask" })
            {
                if (!_session.InputMetadata.ContainsKey(name))
                {
                    throw new InvalidOperationException($"The {_model.Id} model has no input '{name}'.");
                }
            }

            _inputNames = _session.InputMetadata.ContainsKey(TokenTypesInput)
                ? ["input_ids", "attention_mask", TokenTypesInput]
                : ["input_ids", "attention_mask"];

            // The token embeddings output: [batch, sequence, hidden].
            var output = _session.OutputMetadata.FirstOrDefault(o => o.Value.Dimensions.Length == 3);
            _outputName = output.Key
                ?? throw new InvalidOperationException($"The {_model.Id} model has no [batch, sequence, hidden] output.");
            _dimensions = output.Value.Dimensions[2] > 0 ? output.Value.Dimensions[2] : ProbeWidth();
        }
        catch
        {
            _session.Dispose();
            throw;
        }

        _metadata = new EmbeddingGeneratorMetadata("onnxruntime", null, _model.Id, _dimensions);
        _lifetime = new LastUserRelease(nameof(SentenceEmbeddingGenerator), _session.Dispose);
        _info = new EmbeddingModelInfo(_model.Id, _dimensions, _maxInputTokens);
    }

    /// <summary>The model's name, as recorded per set.</summary>
    public string ModelId => _model.Id;

    public SentenceEmbeddingModel Model => _model;

    public EmbeddingRole Role => _options.Role;

    public int Dimensions => _dimensions;

    public Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(
        IEnumerable<string> values,
        EmbeddingGenerationOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(values);
        if (options?.Dimensions is { } dimensions && dimensions != _dimensions)
        {
            throw new ArgumentException($"{ModelId} produces {_dimensions} dimensions, not {dimensions}.", nameof(options));
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

    /// <summary>Embeds <paramref name="texts"/>, one vector of <see cref="Dimensions"/> floats each, in input order.</summary>
    public float[][] Embed(IReadOnlyList<string> texts, CancellationToken cancellationToken = default) =>
        Embed(texts, out _, cancellationToken);

    public object? GetService(Type serviceType, object? serviceKey = null)
    {
        ArgumentNullException.ThrowIfNull(serviceType);
        return serviceKey is not null ? null
            : serviceType == typeof(EmbeddingGeneratorMetadata) ? _metadata
            : serviceType == typeof(EmbeddingModelInfo) ? _info
            : serviceType == typeof(SentenceEmbeddingModel) ? _model
            : serviceType.IsInstanceOfType(_tokenizer) ? _tokenizer
            : serviceType.IsInstanceOfType(this) ? this
            : null;
    }

    /// <summary>
    /// The word-piece ids the model reads for <paramref name="text"/>: [CLS], the role's prefix and the text's pieces,
    /// [SEP], truncated to the window.
    /// </summary>
    internal int[] Tokenize(string text)
    {
        var room = _maxInputTokens - 2;
        if (_prefix.Length > 0)
        {
            text = _prefix + text;
        }

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

    public void Dispose() => _lifetime.Dispose();

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
        var run = _lifetime.Enter();
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
            run.Dispose();
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
        OrtValue[] inputs = _inputNames.Length == 3 ? [idsValue, maskValue, typesValue] : [idsValue, maskValue];
        using var outputs = _session.Run(runOptions, _inputNames, inputs, [_outputName]);
        var hidden = outputs[0].GetTensorDataAsSpan<float>();
        var width = _dimensions;
        if (hidden.Length != rows * columns * width)
        {
            throw new InvalidOperationException($"The {_model.Id} model returned {hidden.Length} values for {rows}x{columns} tokens of {width}.");
        }

        for (var r = 0; r < rows; r++)
        {
            var length = tokens[batch[r]].Length;
            var vector = new float[width];
            switch (_model.Pooling)
            {
                case EmbeddingPooling.Cls:
                    hidden.Slice(r * columns * width, width).CopyTo(vector);
                    break;
                case EmbeddingPooling.LastToken:
                    hidden.Slice(((r * columns) + length - 1) * width, width).CopyTo(vector);
                    break;
                default:
                    // Mean over the real tokens (padding is masked out).
                    for (var c = 0; c < length; c++)
                    {
                        var token = hidden.Slice(((r * columns) + c) * width, width);
                        for (var d = 0; d < width; d++)
                        {
                            vector[d] += token[d];
                        }
                    }

                    for (var d = 0; d < width; d++)
                    {
                        vector[d] /= length;
                    }

                    break;
            }

            if (_model.Normalize)
            {
                var norm = 0.0;
                for (var d = 0; d < width; d++)
                {
                    norm += vector[d] * (double)vector[d];
                }

                var scale = (float)(1 / Math.Max(Math.Sqrt(norm), 1e-12));
                for (var d = 0; d < width; d++)
                {
                    vector[d] *= scale;
                }
            }

            results[batch[r]] = vector;
        }
    }

    /// <summary>The hidden width of a graph whose output shape leaves it symbolic: one run over [CLS] [SEP].</summary>
    private int ProbeWidth()
    {
        long[] shape = [1, 2];
        using var ids = OrtValue.CreateTensorValueFromMemory(new long[] { _tokenizer.ClassificationTokenId, _tokenizer.SeparatorTokenId }, shape);
        using var mask = OrtValue.CreateTensorValueFromMemory(new long[] { 1, 1 }, shape);
        using var types = OrtValue.CreateTensorValueFromMemory(new long[2], shape);
        using var runOptions = new RunOptions();
        OrtValue[] inputs = _inputNames.Length == 3 ? [ids, mask, types] : [ids, mask];
        using var outputs = _session.Run(runOptions, _inputNames, inputs, [_outputName]);
        var width = (int)outputs[0].GetTensorTypeAndShape().Shape[^1];
        return width > 0 ? width : throw new InvalidOperationException($"The {_model.Id} model's output has no hidden width.");
    }



}
