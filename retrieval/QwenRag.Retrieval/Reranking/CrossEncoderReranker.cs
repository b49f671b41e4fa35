using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using Microsoft.ML.Tokenizers;
using QwenRag.Core;
using QwenRag.Core.Models;
using QwenRag.Retrieval.Embeddings;

namespace QwenRag.Retrieval.Reranking;

/// <summary>
/// A sentence-transformers cross-encoder (BERT family, e.g. cross-encoder/ms-marco-MiniLM-L-6-v2) exported to ONNX:
/// each (query, passage) pair is read as BERT reads a pair — <c>[CLS] query [SEP] passage [SEP]</c>, token types 0 then
/// 1 when the graph takes them — and its score is the model's logit (<c>[batch, 1]</c>), or for a two-label model the
/// log-odds of label 1 over label 0 (<c>[batch, 2]</c>). Scores are unbounded, higher is more relevant; their sigmoid is
/// the probability sentence-transformers' <c>predict</c> reports. Pairs longer than the window lose passage pieces first;
/// the query keeps at most half of it when both are long. Thread-safe; owns its <see cref="InferenceSession"/>.
/// </summary>
public sealed class CrossEncoderReranker : IReranker
{
    private const string IdsInput = "input_ids";
    private const string MaskInput = "attention_mask";
    private const string TypesInput = "token_type_ids";
    private const int MinInputTokens = 8;

    // Characters read per word piece of room: far more than any real text needs (about 4 to 6), so only
    // pathological input is cut before it is tokenized.
    private const int MaxCharactersPerPiece = 32;

    private readonly CrossEncoderOptions _options;
    private readonly BertTokenizer _tokenizer;
    private readonly InferenceSession _session;
    private readonly string[] _inputNames;
    private readonly string _outputName;
    private readonly int _labels;
    private readonly LastUserRelease _lifetime;

    /// <summary>Opens the cross-encoder in <paramref name="folder"/>.</summary>
    /// <exception cref="ArgumentException">The folder is not a cross-encoder, or is malformed (the message says what is wrong).</exception>
    public CrossEncoderReranker(string folder, CrossEncoderOptions? options = null)
        : this(CrossEncoderFolder.Read(CheckFolder(folder)), options ?? new CrossEncoderOptions())
    {
    }

    private CrossEncoderReranker(CrossEncoderFolder folder, CrossEncoderOptions options)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(options.BatchSize, 1, nameof(options));
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxPassages, 1, nameof(options));
        if (options.IntraOpThreads is < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(options), "IntraOpThreads must be 1 or more when set.");
        }

        if (options.MaxInputTokens is < MinInputTokens)
        {
            throw new ArgumentOutOfRangeException(nameof(options), $"MaxInputTokens must be {MinInputTokens} or more when set.");
        }

        _options = options;
        var name = folder.Folder;
        if (folder.DeclaresClassifier == false)
        {
            throw new ArgumentException($"'{name}': config.json names no *ForSequenceClassification architecture; not a cross-encoder.");
        }

        if (folder.ModelPath is null)
        {
            throw new ArgumentException($"'{name}' has no model.onnx (nor onnx/model.onnx).");
        }

        if (folder.Labels is { } declared && declared is not (1 or 2))
        {
            throw new ArgumentException($"'{name}': config.json declares {declared} labels; a relevance cross-encoder has 1 (a score) or 2 (not relevant, relevant).");
        }

        using var sessionOptions = new SessionOptions
        {
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
            IntraOpNumThreads = options.IntraOpThreads ?? Environment.ProcessorCount,
        };
        sessionOptions.AddSessionConfigEntry("session.intra_op.allow_spinning", "0");
        try
        {
            _session = new InferenceSession(folder.ModelPath, sessionOptions);
        }
        catch (OnnxRuntimeException ex)
        {
            throw new ArgumentException($"'{folder.ModelPath}' is not an ONNX model ONNX Runtime can load: {ex.Message}", ex);
        }

        try
        {
            (_outputName, _labels) = FindLogits(_session, folder);
            _inputNames = CheckInputs(_session, folder.ModelPath);
            MaxInputTokens = Math.Min(options.MaxInputTokens ?? int.MaxValue, folder.MaxInputTokens ?? CrossEncoderFolder.DefaultMaxInputTokens);
            if (MaxInputTokens < MinInputTokens)
            {
                throw new ArgumentException($"'{name}': a window of {MaxInputTokens} word pieces is too small for a query and a passage.");
            }

            _tokenizer = WordPieceTokenizers.FromFolder(name, folder.LowerCase);
        }
        catch
        {
            _session.Dispose();
            throw;
        }

        ModelId = ModelFolders.IdOf(name) is { Length: > 0 } id ? id : name;
        _lifetime = new LastUserRelease(nameof(CrossEncoderReranker), _session.Dispose);
    }

    /// <summary>The folder's name.</summary>
    public string ModelId { get; }

    /// <summary>Word pieces each pair is cut to, [CLS] and both [SEP]s included.</summary>
    public int MaxInputTokens { get; }

    /// <summary>
    /// The cross-encoder in <paramref name="folder"/>, or null when the folder does not look like one: its config.json
    /// names another architecture, or it has no config.json architectures and no ONNX output named <c>logits</c> of
    /// width 1 or 2.
    /// </summary>
    /// <exception cref="ArgumentException">It looks like a cross-encoder but is malformed.</exception>
    public static CrossEncoderReranker? TryOpen(string folder, CrossEncoderOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(folder);
        if (!Directory.Exists(folder))
        {
            return null;
        }

        var read = CrossEncoderFolder.Read(folder);
        var recognised = read.DeclaresClassifier
            ?? (read.ModelPath is not null && HasLogitsOutput(read.ModelPath));
        return recognised ? new CrossEncoderReranker(read, options ?? new CrossEncoderOptions()) : null;
    }

    public Task<IReadOnlyList<float>> ScoreAsync(string query, IReadOnlyList<string> passages, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        ArgumentNullException.ThrowIfNull(passages);
        if (passages.Count > _options.MaxPassages)
        {
            throw new ArgumentException($"{passages.Count} passages is more than the {_options.MaxPassages} one call may score.", nameof(passages));
        }

        // Inference is CPU-bound and ONNX Runtime spreads each run over its own threads: run it inline.
        return Task.FromResult<IReadOnlyList<float>>(Score(query, passages, cancellationToken));
    }

    /// <summary>The ids and the length of the first segment ([CLS] query [SEP]) of each pair, as the model reads it.</summary>
    internal (int[] Ids, int First) Encode(string query, string passage) => Pair(Pieces(query), Pieces(passage ?? string.Empty));

    public void Dispose() => _lifetime.Dispose();

    private float[] Score(string query, IReadOnlyList<string> passages, CancellationToken cancellationToken)
    {
        var scores = new float[passages.Count];
        if (passages.Count == 0)
        {
            return scores;
        }

        var queryPieces = Pieces(query);
        var pairs = new (int[] Ids, int First)[passages.Count];
        for (var i = 0; i < pairs.Length; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            pairs[i] = Pair(queryPieces, Pieces(passages[i] ?? string.Empty));
        }

        // Similar lengths share a batch, so little padding is computed.
        var order = Enumerable.Range(0, pairs.Length).OrderBy(i => pairs[i].Ids.Length).ToArray();
        var run = _lifetime.Enter();
        try
        {
            for (var start = 0; start < order.Length; start += _options.BatchSize)
            {
                cancellationToken.ThrowIfCancellationRequested();
                RunBatch(pairs, order.AsSpan(start, Math.Min(_options.BatchSize, order.Length - start)), scores, cancellationToken);
            }
        }
        finally
        {
            run.Dispose();
        }

        return scores;
    }

    /// <summary>The word pieces of <paramref name="text"/>, at most the room of a whole pair.</summary>
    private List<int> Pieces(string text)
    {
        var room = MaxInputTokens - 3;
        if (text.Length > room * MaxCharactersPerPiece)
        {
            text = text[..(room * MaxCharactersPerPiece)];
        }

        // As for embeddings: line breaks and tabs are spaces to Hugging Face, but ML.Tokenizers deletes them; and a
        // word has at most 100 pieces, so asking for 100 more and cutting is piece-exact.
        var spaced = text.AsSpan().IndexOfAny('\n', '\r', '\t') < 0
            ? text
            : text.Replace('\n', ' ').Replace('\r', ' ').Replace('\t', ' ');
        var pieces = _tokenizer.EncodeToIds(spaced, room + 100, addSpecialTokens: false, out _, out _);
        var list = new List<int>(Math.Min(pieces.Count, room));
        for (var i = 0; i < pieces.Count && i < room; i++)
        {
            list.Add(pieces[i]);
        }

        return list;
    }

    private (int[] Ids, int First) Pair(List<int> query, List<int> passage)
    {
        // Passage pieces go first; when both are long the query keeps half the room.
        var room = MaxInputTokens - 3;
        var queryLength = query.Count;
        var passageLength = passage.Count;
        if (queryLength + passageLength > room)
        {
            queryLength = Math.Min(queryLength, Math.Max(room / 2, room - passageLength));
            passageLength = room - queryLength;
        }

        var ids = new int[queryLength + passageLength + 3];
        ids[0] = _tokenizer.ClassificationTokenId;
        query.CopyTo(0, ids, 1, queryLength);
        ids[queryLength + 1] = _tokenizer.SeparatorTokenId;
        passage.CopyTo(0, ids, queryLength + 2, passageLength);
        ids[^1] = _tokenizer.SeparatorTokenId;
        return (ids, queryLength + 2);
    }

    private void RunBatch((int[] Ids, int First)[] pairs, ReadOnlySpan<int> batch, float[] scores, CancellationToken cancellationToken)
    {
        var rows = batch.Length;
        var columns = 0;
        foreach (var index in batch)
        {
            columns = Math.Max(columns, pairs[index].Ids.Length);
        }

        var ids = new long[rows * columns];
        var mask = new long[rows * columns];
        var types = new long[rows * columns];
        Array.Fill(ids, _tokenizer.PaddingTokenId);
        for (var r = 0; r < rows; r++)
        {
            var (row, first) = pairs[batch[r]];
            for (var c = 0; c < row.Length; c++)
            {
                ids[(r * columns) + c] = row[c];
                mask[(r * columns) + c] = 1;
                types[(r * columns) + c] = c < first ? 0 : 1;
            }
        }

        long[] shape = [rows, columns];
        using var idsValue = OrtValue.CreateTensorValueFromMemory(ids, shape);
        using var maskValue = OrtValue.CreateTensorValueFromMemory(mask, shape);
        using var typesValue = OrtValue.CreateTensorValueFromMemory(types, shape);
        OrtValue[] values = _inputNames.Length == 3 ? [idsValue, maskValue, typesValue] : [idsValue, maskValue];
        using var runOptions = new RunOptions();
        using var registration = cancellationToken.Register(() => runOptions.Terminate = true);
        IDisposableReadOnlyCollection<OrtValue> outputs;
        try
        {
            outputs = _session.Run(runOptions, _inputNames, values, [_outputName]);
        }
        catch (OnnxRuntimeException) when (cancellationToken.IsCancellationRequested)
        {
            throw new OperationCanceledException(cancellationToken);
        }

        using (outputs)
        {
            var shapeOut = outputs[0].GetTensorTypeAndShape().Shape;
            if (shapeOut.Length != 2 || shapeOut[0] != rows || shapeOut[1] != _labels)
            {
                throw new InvalidOperationException(
                    $"The cross-encoder {ModelId} answered a [{string.Join(", ", shapeOut)}] output for {rows} pairs; expected [{rows}, {_labels}].");
            }

            var logits = outputs[0].GetTensorDataAsSpan<float>();
            for (var r = 0; r < rows; r++)
            {
                scores[batch[r]] = _labels == 1 ? logits[r] : logits[(r * 2) + 1] - logits[r * 2];
            }
        }
    }

    private static (string Name, int Labels) FindLogits(InferenceSession session, CrossEncoderFolder folder)
    {
        var outputs = session.OutputMetadata;
        var (name, metadata) = outputs.TryGetValue("logits", out var logits) ? ("logits", logits)
            : outputs.Count == 1 ? (outputs.Keys.First(), outputs.Values.First())
            : throw new ArgumentException($"'{folder.ModelPath}' has no output named 'logits' (outputs: {string.Join(", ", outputs.Keys)}).");
        var dims = metadata.Dimensions;
        if (!metadata.IsTensor || metadata.ElementDataType != TensorElementType.Float || dims.Length != 2)
        {
            throw new ArgumentException($"'{folder.ModelPath}': output '{name}' must be a float [batch, labels] tensor.");
        }

        var labels = dims[1] > 0 ? dims[1] : folder.Labels ?? 1;
        if (labels is not (1 or 2))
        {
            throw new ArgumentException($"'{folder.ModelPath}': output '{name}' has {labels} labels; a relevance cross-encoder has 1 or 2.");
        }

        if (folder.Labels is { } declared && declared != labels)
        {
            throw new ArgumentException($"'{folder.Folder}': config.json declares {declared} labels but the model outputs {labels}.");
        }

        return (name, labels);
    }

    private static string[] CheckInputs(InferenceSession session, string path)
    {
        var inputs = session.InputMetadata;
        foreach (var (name, metadata) in inputs)
        {
            if (name is not (IdsInput or MaskInput or TypesInput))
            {
                throw new ArgumentException($"'{path}' takes an input '{name}'; a BERT cross-encoder takes input_ids, attention_mask and optionally token_type_ids.");
            }

            if (metadata.ElementDataType != TensorElementType.Int64 || metadata.Dimensions.Length != 2)
            {
                throw new ArgumentException($"'{path}': input '{name}' must be an int64 [batch, sequence] tensor.");
            }
        }

        if (!inputs.ContainsKey(IdsInput) || !inputs.ContainsKey(MaskInput))
        {
            throw new ArgumentException($"'{path}' lacks input_ids or attention_mask; not a BERT cross-encoder.");
        }

        return inputs.ContainsKey(TypesInput) ? [IdsInput, MaskInput, TypesInput] : [IdsInput, MaskInput];
    }

    private static bool HasLogitsOutput(string modelPath)
    {
        try
        {
            using var session = new InferenceSession(modelPath);
            return session.OutputMetadata.TryGetValue("logits", out var logits)
                && logits.Dimensions is [_, var width] && width is 1 or 2 or -1;
        }
        catch (OnnxRuntimeException)
        {
            return false;
        }
    }

    private static string CheckFolder(string folder)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(folder);
        return Directory.Exists(folder) ? folder : throw new ArgumentException($"'{folder}' is not a folder.", nameof(folder));
    }



}
