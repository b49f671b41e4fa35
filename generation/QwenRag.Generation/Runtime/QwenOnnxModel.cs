using System.Globalization;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using QwenRag.Generation.Checkpoints;
using QwenRag.Generation.Onnx;
using QwenRag.Generation.Rope;

namespace QwenRag.Generation.Runtime;

/// <summary>
/// One ONNX Runtime session over a model folder written by <see cref="QwenOnnxBuilder"/>, on the CPU or CUDA, fed the
/// onnxruntime-genai way (input_ids, attention_mask, past_key_values.{i}.key/value) with the KV cache bound through
/// <see cref="OrtIoBinding"/>: past and present share one preallocated buffer per layer (<see cref="KvCache"/>).
/// Generations may run concurrently, each with its own cache.
/// </summary>
/// <remarks>
/// A cache's buffers come from this model's allocator (on CUDA, the session's), so the model's native resources live
/// as long as its last cache: <see cref="Dispose"/> refuses new caches and passes at once, but releases the session
/// only when every cache created here has been disposed (as LLamaSharp's context handle holds a reference to its
/// model). Dispose never throws for a live cache, so a host shutting down while a generation unwinds cannot crash.
/// </remarks>
public sealed class QwenOnnxModel : IDisposable
{
    /// <summary>
    /// Most prompt tokens per pass: bounds the attention work of a pass and its logits output (tokens x vocabulary
    /// floats, 311 MB at 512 x 151,936).
    /// </summary>
    public const int DefaultPrefillChunk = 512;

    internal const string CudaProvider = "CUDAExecutionProvider";

    private readonly SessionOptions _sessionOptions;
    private readonly InferenceSession _session;
    private readonly QwenConfig? _ropeConfig;
    private readonly TensorElementType _kvType;
    private readonly OrtMemoryInfo? _deviceMemory;
    private readonly OrtAllocator? _deviceAllocator;
    private readonly bool[] _windowCached;
    private readonly string[] _pastNames;
    private readonly string[] _presentNames;
    private readonly bool _hasLogitsToKeep;
    private readonly Lock _lifetime = new();
    private int _liveCaches;
    private bool _disposed;
    private bool _released;

    /// <param name="modelDirectory">A folder written by <see cref="QwenOnnxBuilder"/>.</param>
    /// <param name="options">The device asked for and the window cache slack.</param>
    /// <param name="logger">Receives the device chosen and why.</param>
    public QwenOnnxModel(string modelDirectory, QwenRuntimeOptions? options = null, ILogger? logger = null)
    {
        options ??= new QwenRuntimeOptions();
        logger ??= NullLogger.Instance;
        var modelPath = Path.Combine(modelDirectory, QwenOnnxBuilder.ModelFileName);
        if (!File.Exists(modelPath))
        {
            throw new FileNotFoundException($"No {QwenOnnxBuilder.ModelFileName} in {modelDirectory}.", modelPath);
        }

        (ContextLength, EosTokenId) = ReadGenAiConfig(Path.Combine(modelDirectory, QwenOnnxBuilder.GenAiConfigFileName));
        var choice = DeviceChoice.Choose(options, QwenOnnxGraph.KvElementType(modelPath), OrtEnv.Instance().GetAvailableProviders());
        (_sessionOptions, _session, choice) = QwenSessions.Open(modelPath, options, choice);
        Device = choice.Device;
        DeviceReason = choice.Reason;
        if (choice.Device == options.Device)
        {
            logger.LogInformation("Qwen model {Directory} runs on {Device}: {Reason}.", modelDirectory, choice.Device, choice.Reason);
        }
        else
        {
            logger.LogWarning("Qwen model {Directory} runs on {Device} although {Asked} was asked for: {Reason}.",
                modelDirectory, choice.Device, options.Device, choice.Reason);
        }

        var inputs = _session.InputMetadata;
        Layers = inputs.Keys.Count(name => name.StartsWith("past_key_values.", StringComparison.Ordinal) && name.EndsWith(".key", StringComparison.Ordinal));
        var past = inputs["past_key_values.0.key"];
        KvHeads = past.Dimensions[1];
        HeadDim = past.Dimensions[3];
        _kvType = past.ElementDataType;
        VocabSize = _session.OutputMetadata["logits"].Dimensions[2];
        _pastNames = new string[Layers * 2];
        _presentNames = new string[Layers * 2];
        for (var layer = 0; layer < Layers; layer++)
        {
            _pastNames[2 * layer] = $"past_key_values.{layer}.key";
            _pastNames[(2 * layer) + 1] = $"past_key_values.{layer}.value";
            _presentNames[2 * layer] = $"present.{layer}.key";
            _presentNames[(2 * layer) + 1] = $"present.{layer}.value";
        }

        _windowCached = new bool[Layers];
        var metadata = _session.ModelMetadata.CustomMetadataMap;
        if (metadata.TryGetValue(QwenOnnxBuilder.WindowCacheLayersKey, out var layers)
            && metadata.TryGetValue(QwenOnnxBuilder.LocalWindowSizeKey, out var window))
        {
            foreach (var layer in layers.Split(',', StringSplitOptions.RemoveEmptyEntries))
            {
                _windowCached[int.Parse(layer, CultureInfo.InvariantCulture)] = true;
            }

            LocalWindowSize = int.Parse(window, CultureInfo.InvariantCulture);
            // CUDA's windowed kernels want the buffer to be exactly the window; on the CPU some slack lets
            // GroupQueryAttention evict a block of positions at a time instead of compacting at every token.
            WindowCacheLength = Device == ExecutionDevice.Cuda
                ? LocalWindowSize.Value
                : LocalWindowSize.Value + Math.Max(1, (int)Math.Ceiling(LocalWindowSize.Value * options.WindowCacheSlack));
        }

        _hasLogitsToKeep = inputs.ContainsKey(QwenOnnxBuilder.LogitsToKeepInput);
        if (inputs.ContainsKey(QwenOnnxBuilder.CosCacheInput))
        {
            // Dynamic NTK: the rotary tables depend on the total length, so they are computed here each step.
            _ropeConfig = QwenConfig.Load(Path.Combine(modelDirectory, "config.json"));
        }

        if (Device == ExecutionDevice.Cuda)
        {
            _deviceMemory = new OrtMemoryInfo(OrtMemoryInfo.allocatorCUDA, OrtAllocatorType.DeviceAllocator, options.CudaDeviceId, OrtMemType.Default);
            _deviceAllocator = new OrtAllocator(_session, _deviceMemory);
        }
    }

    /// <summary>Where the model runs.</summary>
    public ExecutionDevice Device { get; }

    /// <summary>Why it runs there (for logs and benchmarks).</summary>
    public string DeviceReason { get; }

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

    /// <summary>The attention window of the window-cached layers, when the model has any.</summary>
    public int? LocalWindowSize { get; }

    /// <summary>Positions a window-cached layer's buffer holds (0 when there are none).</summary>
    public int WindowCacheLength { get; }

    /// <summary>How many layers keep a window-sized cache.</summary>
    public int WindowCachedLayers => _windowCached.Count(cached => cached);

    /// <summary>
    /// An empty KV cache for one generation of at most <paramref name="capacity"/> tokens (default: the context
    /// length), its buffers allocated once, on the model's device; the caller disposes it.
    /// </summary>
    /// <exception cref="ObjectDisposedException">The model has been disposed.</exception>
    public KvCache CreateCache(int? capacity = null)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var tokens = capacity ?? ContextLength;
        // Static rotary tables end at the context length; dynamic NTK tables are computed for any length (and
        // generation still stops at the context length, which SequenceDecoder enforces).
        var limit = SuppliesRopeTables ? int.MaxValue : ContextLength;
        if (tokens < 1 || tokens > limit)
        {
            throw new ArgumentOutOfRangeException(nameof(capacity), tokens, $"A cache holds between 1 and {ContextLength} tokens (the context length).");
        }

        lock (_lifetime)
        {
            // Counted before allocating, so that a Dispose meanwhile keeps the allocator for these buffers.
            ObjectDisposedException.ThrowIf(_disposed, this);
            _liveCaches++;
        }

        var buffers = new OrtValue[Layers * 2];
        var allocator = _deviceAllocator ?? OrtAllocator.DefaultInstance;
        try
        {
            for (var i = 0; i < buffers.Length; i++)
            {
                buffers[i] = OrtValue.CreateAllocatedTensorValue(allocator, _kvType, [1, KvHeads, BufferLength(i / 2, tokens), HeadDim]);
            }
        }
        catch
        {
            foreach (var value in buffers)
            {
                value?.Dispose();
            }

            Release();
            throw;
        }

        return new KvCache(this, buffers, tokens, KvCacheBytes(tokens), Device);
    }

    /// <summary>Caches created here and not yet disposed.</summary>
    public int LiveCaches
    {
        get
        {
            lock (_lifetime)
            {
                return _liveCaches;
            }
        }
    }

    /// <summary>Whether the session and its allocator have been freed (disposed, and the last cache with it).</summary>
    internal bool IsReleased
    {
        get
        {
            lock (_lifetime)
            {
                return _released;
            }
        }
    }

    /// <summary>What <see cref="CreateCache"/> allocates for <paramref name="tokens"/> tokens, without allocating it.</summary>
    public long KvCacheBytes(int tokens)
    {
        var elementBytes = ElementBytes;
        long positions = 0;
        for (var layer = 0; layer < Layers; layer++)
        {
            positions += BufferLength(layer, tokens);
        }

        return 2 * positions * KvHeads * HeadDim * elementBytes;
    }

    /// <summary>
    /// Passes <paramref name="tokens"/> (one or more) after the tokens already in <paramref name="cache"/>, extends the
    /// cache with them and returns the logits of the last one (<see cref="VocabSize"/> values).
    /// </summary>
    /// <exception cref="ObjectDisposedException">The model or the cache has been disposed.</exception>
    public float[] Append(KvCache cache, ReadOnlySpan<int> tokens)
    {
        CheckAppend(cache, tokens);
        return Run(cache, tokens, lastOnly: true);
    }

    /// <summary>
    /// Like <see cref="Append"/>, but returns the logits of every one of <paramref name="tokens"/> (row i: the scores
    /// of the token after tokens[i]): what scoring a text, or checking the model against a reference, needs. Reads back
    /// tokens x <see cref="VocabSize"/> floats, so pass long texts in pieces.
    /// </summary>
    /// <exception cref="ObjectDisposedException">The model or the cache has been disposed.</exception>
    public float[][] Score(KvCache cache, ReadOnlySpan<int> tokens)
    {
        CheckAppend(cache, tokens);
        var logits = Run(cache, tokens, lastOnly: false);
        var rows = new float[tokens.Length][];
        for (var i = 0; i < rows.Length; i++)
        {
            rows[i] = logits.AsSpan(i * VocabSize, VocabSize).ToArray();
        }

        return rows;
    }

    /// <summary>
    /// Whether one pass may decode rows of different lengths. False when this runtime supplies the rotary tables
    /// (dynamic NTK): their scaling depends on each sequence's own length, so such rows run one at a time.
    /// </summary>
    public bool BatchesRows => _ropeConfig is null;

    /// <summary>
    /// <paramref name="slots"/> empty sequence slots of <paramref name="capacity"/> tokens each, their buffers
    /// allocated once on the model's device; the caller disposes them.
    /// </summary>
    /// <exception cref="ObjectDisposedException">The model has been disposed.</exception>
    public KvSlots CreateSlots(int slots, int capacity)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ArgumentOutOfRangeException.ThrowIfLessThan(slots, 1);
        var limit = SuppliesRopeTables ? int.MaxValue : ContextLength;
        if (capacity < 1 || capacity > limit)
        {
            throw new ArgumentOutOfRangeException(nameof(capacity), capacity, $"A slot holds between 1 and {ContextLength} tokens (the context length).");
        }

        var shapes = new long[Layers * 2][];
        var slotBytes = new long[Layers * 2];
        for (var i = 0; i < shapes.Length; i++)
        {
            shapes[i] = [1, KvHeads, BufferLength(i / 2, capacity), HeadDim];
            slotBytes[i] = (long)KvHeads * BufferLength(i / 2, capacity) * HeadDim * ElementBytes;
            if (slotBytes[i] * slots > uint.MaxValue)
            {
                throw new ArgumentOutOfRangeException(nameof(slots),
                    $"{slots} slots of {capacity} tokens need {slotBytes[i] * slots} bytes per layer buffer, more than one allocation takes (4 GiB); use fewer slots or tokens.");
            }
        }

        lock (_lifetime)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            _liveCaches++;
        }

        var buffers = new OrtMemoryAllocation[shapes.Length];
        var allocator = _deviceAllocator ?? OrtAllocator.DefaultInstance;
        try
        {
            for (var i = 0; i < buffers.Length; i++)
            {
                buffers[i] = allocator.Allocate((uint)(slotBytes[i] * slots));
            }
        }
        catch
        {
            foreach (var buffer in buffers)
            {
                buffer?.Dispose();
            }

            Release();
            throw;
        }

        return new KvSlots(this, buffers, shapes, slotBytes, _kvType, slots, capacity, Device);
    }

    /// <summary>
    /// Passes <paramref name="tokens"/> (one or more) after the <paramref name="pastLength"/> positions already in
    /// slot <paramref name="slot"/> (batch 1: GroupQueryAttention takes several new tokens after a past only alone)
    /// and returns the logits of the last one.
    /// </summary>
    public float[] Prefill(KvSlots slots, int slot, int pastLength, ReadOnlySpan<int> tokens)
    {
        CheckSlots(slots, tokens.Length, [pastLength], tokens.Length);
        var views = slots.Views(slot, 1);
        try
        {
            return Run(views, tokens, 1, [pastLength], lastOnly: true);
        }
        finally
        {
            DisposeAll(views);
        }
    }

    /// <summary>
    /// Decodes one token for each of slots <paramref name="first"/> to <paramref name="first"/> + tokens.Length - 1
    /// in one pass: row r's token follows the pastLengths[r] positions already in its slot. Returns tokens.Length
    /// rows of <see cref="VocabSize"/> logits, one after another.
    /// </summary>
    public float[] Decode(KvSlots slots, int first, ReadOnlySpan<int> tokens, ReadOnlySpan<int> pastLengths)
    {
        CheckSlots(slots, tokens.Length, pastLengths, 1);
        if (tokens.Length > 1 && !BatchesRows)
        {
            throw new InvalidOperationException("This model's rotary tables depend on each sequence's length: decode its rows one at a time.");
        }

        var views = slots.Views(first, tokens.Length);
        try
        {
            return Run(views, tokens, tokens.Length, pastLengths, lastOnly: true);
        }
        finally
        {
            DisposeAll(views);
        }
    }

    private void CheckSlots(KvSlots slots, int tokens, ReadOnlySpan<int> pastLengths, int perRow)
    {
        ArgumentNullException.ThrowIfNull(slots);
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (!ReferenceEquals(slots.Owner, this))
        {
            throw new ArgumentException("The slots belong to another model.", nameof(slots));
        }

        if (tokens == 0 || tokens / perRow != pastLengths.Length)
        {
            throw new ArgumentException($"{tokens} tokens for {pastLengths.Length} rows of {perRow}.", nameof(tokens));
        }

        foreach (var past in pastLengths)
        {
            if (past < 0 || past + perRow > slots.Capacity)
            {
                throw new ArgumentException(
                    $"{past} cached tokens plus {perRow} new ones exceed a slot's capacity of {slots.Capacity} tokens.", nameof(pastLengths));
            }
        }
    }

    private static void DisposeAll(OrtValue[] values)
    {
        foreach (var value in values)
        {
            value.Dispose();
        }
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

    private void CheckAppend(KvCache cache, ReadOnlySpan<int> tokens)
    {
        ArgumentNullException.ThrowIfNull(cache);
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (tokens.IsEmpty)
        {
            throw new ArgumentException("At least one token is needed.", nameof(tokens));
        }

        if (!ReferenceEquals(cache.Owner, this))
        {
            throw new ArgumentException("The cache belongs to another model.", nameof(cache));
        }
    }

    /// <summary>Called by a cache of this model once its buffers are freed.</summary>
    internal void Release()
    {
        lock (_lifetime)
        {
            _liveCaches--;
            if (_disposed && _liveCaches == 0)
            {
                ReleaseNative();
            }
        }
    }

    private float[] Run(KvCache cache, ReadOnlySpan<int> tokens, bool lastOnly)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var buffers = cache.Buffers;
        var total = cache.Length + tokens.Length;
        if (total > cache.Capacity)
        {
            throw new ArgumentException(
                $"{cache.Length} cached tokens plus {tokens.Length} new ones exceed the cache's capacity of {cache.Capacity} tokens.", nameof(tokens));
        }

        var logits = Run(buffers, tokens, 1, [cache.Length], lastOnly);
        cache.Length = total;
        return logits;
    }

    /// <summary>
    /// One pass over <paramref name="rows"/> sequences of tokens.Length / rows new tokens each, the row r's past of
    /// pastLengths[r] positions in row r of <paramref name="kv"/>: GroupQueryAttention takes each row's length from
    /// the attention mask (seqlens_k) and writes the new keys and values in place, past and present being one
    /// buffer. Returns, per row, the logits of its last token (lastOnly) or of every token.
    /// </summary>
    private float[] Run(OrtValue[] kv, ReadOnlySpan<int> tokens, int rows, ReadOnlySpan<int> pastLengths, bool lastOnly)
    {
        var count = tokens.Length / rows;
        var longest = 0;
        foreach (var past in pastLengths)
        {
            longest = Math.Max(longest, past);
        }

        var total = longest + count;
        var ids = new long[tokens.Length];
        for (var i = 0; i < ids.Length; i++)
        {
            ids[i] = tokens[i];
        }

        // Row r sees its own past and new tokens: the mask's sum is what the graph derives seqlens_k from.
        var mask = new long[rows * total];
        for (var r = 0; r < rows; r++)
        {
            mask.AsSpan(r * total, pastLengths[r] + count).Fill(1L);
        }

        var owned = new List<OrtValue>(5);
        try
        {
            using var binding = _session.CreateIoBinding();
            owned.Add(OrtValue.CreateTensorValueFromMemory(ids, [rows, count]));
            binding.BindInput("input_ids", owned[^1]);
            owned.Add(OrtValue.CreateTensorValueFromMemory(mask, [rows, total]));
            binding.BindInput("attention_mask", owned[^1]);
            if (_hasLogitsToKeep)
            {
                owned.Add(OrtValue.CreateTensorValueFromMemory(new[] { lastOnly ? 1L : 0L }, []));
                binding.BindInput(QwenOnnxBuilder.LogitsToKeepInput, owned[^1]);
            }

            if (_ropeConfig is not null)
            {
                // One table for the pass: rows of other lengths would need their own scaling (see BatchesRows).
                var (cos, sin) = RopeTables.Tables(_ropeConfig, total, total);
                owned.Add(Table(cos, total, HeadDim / 2));
                binding.BindInput(QwenOnnxBuilder.CosCacheInput, owned[^1]);
                owned.Add(Table(sin, total, HeadDim / 2));
                binding.BindInput(QwenOnnxBuilder.SinCacheInput, owned[^1]);
            }

            // Past and present are the same buffer: GroupQueryAttention writes the new keys and values in place.
            binding.BindOutputToDevice("logits", OrtMemoryInfo.DefaultInstance);
            for (var i = 0; i < kv.Length; i++)
            {
                binding.BindInput(_pastNames[i], kv[i]);
                binding.BindOutput(_presentNames[i], kv[i]);
            }

            using var runOptions = new RunOptions();
            _session.RunWithBinding(runOptions, binding);
            using var outputs = binding.GetOutputValues();
            var all = outputs[0].GetTensorDataAsSpan<float>();
            var kept = all.Length / (rows * VocabSize);
            if (!lastOnly || kept == 1)
            {
                return all.ToArray();
            }

            var last = new float[rows * VocabSize];
            for (var r = 0; r < rows; r++)
            {
                all.Slice(((r * kept) + kept - 1) * VocabSize, VocabSize).CopyTo(last.AsSpan(r * VocabSize));
            }

            return last;
        }
        finally
        {
            foreach (var value in owned)
            {
                value.Dispose();
            }
        }
    }

    private long ElementBytes => _kvType == TensorElementType.Float16 ? 2L : 4L;

    /// <summary>Positions layer <paramref name="layer"/>'s buffer holds in a cache for <paramref name="tokens"/> tokens.</summary>
    private int BufferLength(int layer, int tokens) => _windowCached[layer] ? WindowCacheLength : tokens;

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

    /// <summary>
    /// Refuses new caches and passes from now on; frees the session and its allocator now, or, while caches of this
    /// model live, when the last of them is disposed (a pass already running on one finishes normally).
    /// </summary>
    public void Dispose()
    {
        lock (_lifetime)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            if (_liveCaches == 0)
            {
                ReleaseNative();
            }
        }
    }

    private void ReleaseNative()
    {
        _released = true;
        _deviceAllocator?.Dispose();
        _deviceMemory?.Dispose();
        _session.Dispose();
        _sessionOptions.Dispose();
    }
}
