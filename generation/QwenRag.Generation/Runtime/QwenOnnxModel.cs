using System.Diagnostics;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using QwenRag.Generation.Checkpoints;
using QwenRag.Generation.Onnx;
using QwenRag.Generation.Rope;

namespace QwenRag.Generation.Runtime;

/// <summary>
/// What <see cref="QwenOnnxModel.Greedy"/> produced: the new tokens, the time of the prompt pass (which also picks
/// the first new token) and the time of the one-token passes that picked the rest.
/// </summary>
public sealed record GreedyResult(IReadOnlyList<int> Tokens, TimeSpan Prefill, TimeSpan Decode)
{
    /// <summary>One-token passes run after the prompt pass.</summary>
    public int DecodeSteps => Math.Max(0, Tokens.Count - 1);
}

/// <summary>
/// One ONNX Runtime session over a model folder written by <see cref="QwenOnnxBuilder"/> (CPU provider),
/// fed the onnxruntime-genai way: input_ids, attention_mask and past_key_values.{i}.key/value, carrying
/// present.{i}.* forward as the next step's past.
/// </summary>
public sealed class QwenOnnxModel : IDisposable
{
    private readonly InferenceSession _session;
    private readonly QwenConfig? _ropeConfig;
    private readonly TensorElementType _kvType;
    private bool _disposed;

    public QwenOnnxModel(string modelDirectory, QwenRuntimeOptions? options = null, ILogger? logger = null)
    {
        var modelPath = Path.Combine(modelDirectory, QwenOnnxBuilder.ModelFileName);
        if (!File.Exists(modelPath))
        {
            throw new FileNotFoundException($"No {QwenOnnxBuilder.ModelFileName} in {modelDirectory}.", modelPath);
        }

        _session = new InferenceSession(modelPath);
        var inputs = _session.InputMetadata;
        Layers = inputs.Keys.Count(name => name.StartsWith("past_key_values.", StringComparison.Ordinal) && name.EndsWith(".key", StringComparison.Ordinal));
        var past = inputs["past_key_values.0.key"];
        KvHeads = past.Dimensions[1];
        HeadDim = past.Dimensions[3];
        _kvType = past.ElementDataType;
        VocabSize = _session.OutputMetadata["logits"].Dimensions[2];
        if (inputs.ContainsKey(QwenOnnxBuilder.CosCacheInput))
        {
            // Dynamic NTK: the rotary tables depend on the total length, so they are computed here each step.
            _ropeConfig = QwenConfig.Load(Path.Combine(modelDirectory, "config.json"));
        }

        (ContextLength, EosTokenId) = ReadGenAiConfig(Path.Combine(modelDirectory, QwenOnnxBuilder.GenAiConfigFileName));
    }

    public int Layers { get; }

    public int KvHeads { get; }

    public int HeadDim { get; }

    public int VocabSize { get; }

    /// <summary>The most tokens (prompt and generated) one cache may hold: genai_config.json's context_length.</summary>
    public int ContextLength { get; }

    /// <summary>The end-of-sequence token from genai_config.json, when it names one.</summary>
    public int? EosTokenId { get; }

    /// <summary>True when cos/sin tables are graph inputs that this runtime supplies (dynamic NTK scaling).</summary>
    public bool SuppliesRopeTables => _ropeConfig is not null;

    /// <summary>
    /// Logits for every input position (batch 1). With <paramref name="prefill"/> = N, the first N tokens go in
    /// one pass and the rest one token per pass, each reusing the KV cache of the previous pass; without it,
    /// all tokens go in one pass.
    /// </summary>
    /// <remarks>
    /// With dynamic NTK scaling, cached keys keep the rotation of the step that computed them (as Hugging Face's
    /// cached generation does), so incremental logits differ from a full pass once the length passes
    /// original_max_position_embeddings.
    /// </remarks>
    public float[][] Logits(IReadOnlyList<int> tokens, int? prefill = null)
    {
        ArgumentNullException.ThrowIfNull(tokens);
        if (tokens.Count == 0)
        {
            throw new ArgumentException("At least one token is needed.", nameof(tokens));
        }

        var first = prefill ?? tokens.Count;
        if (first < 1 || first > tokens.Count)
        {
            throw new ArgumentException($"prefill must be between 1 and {tokens.Count} (was {first}).", nameof(prefill));
        }

        var ids = tokens.ToArray();
        var result = new float[ids.Length][];
        using var cache = CreateCache();
        while (cache.Length < ids.Length)
        {
            var position = cache.Length;
            var count = position == 0 ? first : 1;
            var logits = Run(cache, ids.AsSpan(position, count), lastOnly: false);
            for (var i = 0; i < count; i++)
            {
                result[position + i] = logits.AsSpan(i * VocabSize, VocabSize).ToArray();
            }
        }

        return result;
    }

    /// <summary>
    /// Greedy decoding with the KV cache (batch 1): the prompt in one pass, which picks the first new token, then
    /// one pass per further token. Only the last position's logits are read back.
    /// </summary>
    public GreedyResult Greedy(IReadOnlyList<int> prompt, int newTokens)
    {
        ArgumentNullException.ThrowIfNull(prompt);
        if (prompt.Count == 0)
        {
            throw new ArgumentException("At least one prompt token is needed.", nameof(prompt));
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(newTokens, 1);
        var generated = new List<int>(newTokens);
        using var cache = CreateCache();
        var stopwatch = Stopwatch.StartNew();
        var next = ArgMax(Run(cache, prompt.ToArray(), lastOnly: true));
        var prefill = stopwatch.Elapsed;
        generated.Add(next);
        stopwatch.Restart();
        while (generated.Count < newTokens)
        {
            next = ArgMax(Run(cache, [next], lastOnly: true));
            generated.Add(next);
        }

        return new GreedyResult(generated, prefill, stopwatch.Elapsed);
    }

    /// <summary>An empty KV cache for one generation over this model; the caller disposes it.</summary>
    public KvCache CreateCache()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var past = new List<OrtValue>(Layers * 2);
        try
        {
            for (var layer = 0; layer < Layers * 2; layer++)
            {
                past.Add(OrtValue.CreateAllocatedTensorValue(OrtAllocator.DefaultInstance, _kvType, [1, KvHeads, 0, HeadDim]));
            }
        }
        catch
        {
            foreach (var value in past)
            {
                value.Dispose();
            }

            throw;
        }

        return new KvCache(this, past);
    }

    /// <summary>
    /// Passes <paramref name="tokens"/> (one or more) after the tokens already in <paramref name="cache"/>, extends the
    /// cache with them and returns the logits of the last one (<see cref="VocabSize"/> values).
    /// </summary>
    public float[] Append(KvCache cache, ReadOnlySpan<int> tokens)
    {
        ArgumentNullException.ThrowIfNull(cache);
        if (tokens.IsEmpty)
        {
            throw new ArgumentException("At least one token is needed.", nameof(tokens));
        }

        if (!ReferenceEquals(cache.Owner, this))
        {
            throw new ArgumentException("The cache belongs to another model.", nameof(cache));
        }

        if (cache.Length + tokens.Length > ContextLength)
        {
            throw new ArgumentException(
                $"{cache.Length} cached tokens plus {tokens.Length} new ones exceed the context length of {ContextLength}.", nameof(tokens));
        }

        return Run(cache, tokens, lastOnly: true);
    }

    /// <summary>The first index of the largest value.</summary>
    public static int ArgMax(ReadOnlySpan<float> values)
    {
        var best = 0;
        for (var i = 1; i < values.Length; i++)
        {
            if (values[i] > values[best])
            {
                best = i;
            }
        }

        return best;
    }

    private float[] Run(KvCache cache, ReadOnlySpan<int> tokens, bool lastOnly)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var past = cache.Past;
        var count = tokens.Length;
        var total = cache.Length + count;
        var ids = new long[count];
        for (var i = 0; i < count; i++)
        {
            ids[i] = tokens[i];
        }

        var mask = new long[total];
        Array.Fill(mask, 1L);
        var names = new List<string> { "input_ids", "attention_mask" };
        var values = new List<OrtValue>
        {
            OrtValue.CreateTensorValueFromMemory(ids, [1, count]),
            OrtValue.CreateTensorValueFromMemory(mask, [1, total]),
        };
        var owned = new List<OrtValue>(values);
        try
        {
            for (var layer = 0; layer < Layers; layer++)
            {
                names.Add($"past_key_values.{layer}.key");
                values.Add(past[2 * layer]);
                names.Add($"past_key_values.{layer}.value");
                values.Add(past[(2 * layer) + 1]);
            }

            if (_ropeConfig is not null)
            {
                var (cos, sin) = RopeTables.Tables(_ropeConfig, total, total);
                var half = HeadDim / 2;
                names.Add(QwenOnnxBuilder.CosCacheInput);
                names.Add(QwenOnnxBuilder.SinCacheInput);
                var cosValue = Table(cos, total, half);
                owned.Add(cosValue);
                values.Add(cosValue);
                var sinValue = Table(sin, total, half);
                owned.Add(sinValue);
                values.Add(sinValue);
            }

            var outputNames = new List<string> { "logits" };
            for (var layer = 0; layer < Layers; layer++)
            {
                outputNames.Add($"present.{layer}.key");
                outputNames.Add($"present.{layer}.value");
            }

            using var runOptions = new RunOptions();
            var outputs = _session.Run(runOptions, names, values, outputNames);
            var all = outputs[0].GetTensorDataAsSpan<float>();
            var logits = lastOnly ? all[^VocabSize..].ToArray() : all.ToArray();
            outputs[0].Dispose();
            for (var i = 0; i < past.Count; i++)
            {
                past[i].Dispose();
                past[i] = outputs[i + 1];
            }

            cache.Length = total;
            return logits;
        }
        finally
        {
            foreach (var value in owned)
            {
                value.Dispose();
            }
        }
    }

    private static (int ContextLength, int? Eos) ReadGenAiConfig(string path)
    {
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"No {QwenOnnxBuilder.GenAiConfigFileName} beside the model.", path);
        }

        var model = JsonNode.Parse(File.ReadAllText(path))?["model"]
            ?? throw new InvalidDataException($"{path} has no \"model\" section.");
        var context = model["context_length"]?.GetValue<int>()
            ?? throw new InvalidDataException($"{path} has no model.context_length.");
        var eos = model["eos_token_id"] is JsonValue value && value.TryGetValue<int>(out var id) ? id : (int?)null;
        return (context, eos);
    }

    private OrtValue Table(float[] table, int rows, int columns)
    {
        if (_kvType == TensorElementType.Float16)
        {
            var half = new Float16[table.Length];
            for (var i = 0; i < table.Length; i++)
            {
                half[i] = (Float16)table[i];
            }

            return OrtValue.CreateTensorValueFromMemory(half, [rows, columns]);
        }

        return OrtValue.CreateTensorValueFromMemory(table, [rows, columns]);
    }

    public void Dispose()
    {
        _disposed = true;
        _session.Dispose();
    }
}
