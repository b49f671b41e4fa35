namespace QwenRag.Generation.Checkpoints;

/// <summary>
/// A Hugging Face checkpoint folder: config.json plus model.safetensors, or the shards that
/// model.safetensors.index.json lists. Files stay memory-mapped; tensors are converted to float on read.
/// Reads are safe from several threads; disposing unmaps the files.
/// </summary>
public sealed class SafetensorsCheckpoint : IDisposable
{
    public const string ConfigFileName = "config.json";
    public const string SingleFileName = "model.safetensors";
    public const string IndexFileName = "model.safetensors.index.json";

    // Converted in slices so a tensor over 2 GB never needs one span of bytes.
    private const int ElementsPerSlice = 1 << 20;

    private const string BareEmbedTokens = "embed_tokens.weight";

    private readonly List<SafetensorsFile> _files;
    private readonly Dictionary<string, (SafetensorsFile File, SafetensorsEntry Entry)> _tensors;

    private SafetensorsCheckpoint(string directory, QwenConfig config, List<SafetensorsFile> files)
    {
        Directory = directory;
        Config = config;
        _files = files;
        _tensors = new(StringComparer.Ordinal);
        foreach (var file in files)
        {
            foreach (var entry in file.Entries.Values)
            {
                if (!_tensors.TryAdd(entry.Name, (file, entry)))
                {
                    throw new CheckpointException(
                        $"tensor '{entry.Name}' appears in both '{_tensors[entry.Name].File.Path}' and '{file.Path}'");
                }
            }
        }

        // A base model saved on its own (Qwen3-Embedding, sentence-transformers) has no "model." prefix and no
        // lm_head: its tensors are read under the causal LM's names, so one layout and one builder serve both.
        if (!_tensors.ContainsKey(QwenTensorNames.EmbedTokens) && _tensors.ContainsKey(BareEmbedTokens))
        {
            IsBaseModel = true;
            var bare = _tensors.ToList();
            _tensors.Clear();
            foreach (var (name, tensor) in bare)
            {
                var full = name.StartsWith("lm_head.", StringComparison.Ordinal) ? name : QwenTensorNames.ModelPrefix + name;
                if (!_tensors.TryAdd(full, tensor))
                {
                    throw new CheckpointException($"tensor '{name}' appears both with and without the '{QwenTensorNames.ModelPrefix}' prefix");
                }
            }
        }
    }

    public string Directory { get; }

    public QwenConfig Config { get; }

    /// <summary>Tensor names, with the <c>model.</c> prefix also for a <see cref="IsBaseModel"/> checkpoint.</summary>
    public IReadOnlyCollection<string> TensorNames => _tensors.Keys;

    /// <summary>
    /// True when the tensors were saved without the <c>model.</c> prefix (a Qwen2Model/Qwen3Model, such as a
    /// Qwen3-Embedding checkpoint); they are read under the prefixed names all the same.
    /// </summary>
    public bool IsBaseModel { get; }

    /// <summary>Whether logits can be computed: an lm_head tensor, or embeddings tied to the head.</summary>
    public bool HasLanguageModelHead => Config.TieWordEmbeddings || Contains(QwenTensorNames.LmHead);

    /// <summary>Opens a checkpoint folder; throws <see cref="CheckpointException"/> naming what is missing or malformed.</summary>
    public static SafetensorsCheckpoint Open(string directory)
    {
        if (!System.IO.Directory.Exists(directory))
        {
            throw new CheckpointException($"checkpoint folder '{directory}' does not exist");
        }

        var configPath = Path.Combine(directory, ConfigFileName);
        if (!File.Exists(configPath))
        {
            throw new CheckpointException($"missing config.json in checkpoint folder '{directory}'");
        }

        var config = QwenConfig.Load(configPath);
        var indexPath = Path.Combine(directory, IndexFileName);
        var singlePath = Path.Combine(directory, SingleFileName);
        ShardIndex? index = null;
        IReadOnlyList<string> paths;
        if (File.Exists(indexPath))
        {
            index = ShardIndex.Load(indexPath);
            paths = index.Files.Select(f => Path.Combine(directory, f)).ToList();
        }
        else if (File.Exists(singlePath))
        {
            paths = [singlePath];
        }
        else
        {
            throw new CheckpointException($"checkpoint folder '{directory}' has neither {SingleFileName} nor {IndexFileName}");
        }

        var files = new List<SafetensorsFile>();
        try
        {
            foreach (var path in paths)
            {
                files.Add(SafetensorsFile.Open(path));
            }

            var checkpoint = new SafetensorsCheckpoint(directory, config, files);
            index?.CheckAgainst(checkpoint._tensors.ToDictionary(t => t.Key, t => Path.GetFileName(t.Value.File.Path)));
            return checkpoint;
        }
        catch
        {
            files.ForEach(f => f.Dispose());
            throw;
        }
    }

    public bool Contains(string name) => _tensors.ContainsKey(name);

    public TensorInfo Info(string name)
    {
        var (_, entry) = Find(name);
        return new TensorInfo(name, DtypeOf(entry), entry.Shape);
    }

    public float[] ReadFloat32(string name)
    {
        var info = Info(name);
        var result = new float[info.ElementCount];
        ReadFloat32(name, result);
        return result;
    }

    /// <summary>Converts the tensor to float into <paramref name="destination"/>, which must hold exactly its elements.</summary>
    public void ReadFloat32(string name, Span<float> destination)
    {
        var (file, entry) = Find(name);
        var dtype = DtypeOf(entry);
        var count = (entry.End - entry.Begin) / dtype.ElementSize();
        if (destination.Length != count)
        {
            throw new ArgumentException($"tensor '{name}' has {count} elements but the destination holds {destination.Length}", nameof(destination));
        }

        Convert(file, entry, dtype, 0, destination);
    }

    /// <summary>Row <paramref name="row"/> of a two-dimensional tensor as float (one vocabulary entry of a head), without reading the rest.</summary>
    public float[] ReadRowFloat32(string name, long row)
    {
        var (file, entry) = Find(name);
        var dtype = DtypeOf(entry);
        if (entry.Shape.Length != 2 || row < 0 || row >= entry.Shape[0])
        {
            throw new ArgumentOutOfRangeException(nameof(row), row, $"tensor '{name}' has shape {TensorShapes.Format(entry.Shape)}; it has no row {row}");
        }

        var columns = checked((int)entry.Shape[1]);
        var result = new float[columns];
        FloatConversion.ToFloat32(dtype, file.Bytes(entry, row * columns * dtype.ElementSize(), columns * dtype.ElementSize()), result);
        return result;
    }

    /// <summary>Copies the tensor's stored bytes (little-endian, in <see cref="TensorInfo.Dtype"/>) unconverted.</summary>
    public void ReadBytes(string name, Span<byte> destination)
    {
        var (file, entry) = Find(name);
        DtypeOf(entry);
        var length = entry.End - entry.Begin;
        if (destination.Length != length)
        {
            throw new ArgumentException($"tensor '{name}' has {length} bytes but the destination holds {destination.Length}", nameof(destination));
        }

        var sliceBytes = ElementsPerSlice * 4;
        for (long done = 0; done < length; done += sliceBytes)
        {
            var slice = (int)Math.Min(sliceBytes, length - done);
            file.Bytes(entry, done, slice).CopyTo(destination.Slice((int)done, slice));
        }
    }

    /// <summary>
    /// Checks that every tensor the architecture needs exists, in a supported dtype, with the shape the config
    /// implies. Extra tensors (lm_head.weight next to tied embeddings, rotary caches) are allowed.
    /// </summary>
    public void Validate() => Validate(languageModelHead: true);

    /// <inheritdoc cref="Validate()"/>
    /// <param name="languageModelHead">False when only hidden states are wanted (embeddings): lm_head may be absent.</param>
    public void Validate(bool languageModelHead)
    {
        if (Config.Moe is { } moe)
        {
            ValidateExpertNames(moe);
        }

        foreach (var expected in QwenTensorLayout.For(Config, languageModelHead, HasFusedExperts))
        {
            if (!Contains(expected.Name))
            {
                if (expected.Optional)
                {
                    continue;
                }

                throw new CheckpointException($"missing tensor '{expected.Name}' (expected shape {TensorShapes.Format(expected.Shape)})");
            }

            var info = Info(expected.Name);
            if (Config.Moe is { } experts && expected.Name.EndsWith(".mlp.gate.weight", StringComparison.Ordinal)
                && info.Shape.Count == 2 && info.Shape[0] != experts.NumExperts)
            {
                throw new CheckpointException(
                    $"router '{expected.Name}' routes to {info.Shape[0]} experts (shape {info.ShapeText}) but config.json's num_experts is {experts.NumExperts}");
            }

            if (!info.Shape.SequenceEqual(expected.Shape))
            {
                throw new CheckpointException(
                    $"tensor '{expected.Name}' has shape {info.ShapeText} but the config implies {TensorShapes.Format(expected.Shape)}");
            }
        }
    }

    /// <summary>Whether the MoE experts are stored fused (<c>mlp.experts.gate_up_proj</c>) rather than one tensor per expert.</summary>
    public bool HasFusedExperts => _tensors.Keys.Any(name => name.EndsWith(".mlp.experts.gate_up_proj", StringComparison.Ordinal));

    /// <summary>Converts <paramref name="destination"/>.Length elements from <paramref name="firstElement"/> on (one expert of a fused tensor).</summary>
    public void ReadFloat32(string name, long firstElement, Span<float> destination)
    {
        var (file, entry) = Find(name);
        var dtype = DtypeOf(entry);
        var count = (entry.End - entry.Begin) / dtype.ElementSize();
        if (firstElement < 0 || firstElement + destination.Length > count)
        {
            throw new ArgumentOutOfRangeException(nameof(firstElement), $"tensor '{name}' has {count} elements; [{firstElement}, +{destination.Length}) is outside it");
        }

        Convert(file, entry, dtype, firstElement, destination);
    }

    /// <summary>Elements from <paramref name="firstElement"/> on into <paramref name="destination"/>, a slice of the map at a time.</summary>
    private static void Convert(SafetensorsFile file, SafetensorsEntry entry, TensorDtype dtype, long firstElement, Span<float> destination)
    {
        for (long done = 0; done < destination.Length; done += ElementsPerSlice)
        {
            var slice = (int)Math.Min(ElementsPerSlice, destination.Length - done);
            var bytes = file.Bytes(entry, (firstElement + done) * dtype.ElementSize(), slice * dtype.ElementSize());
            FloatConversion.ToFloat32(dtype, bytes, destination.Slice((int)done, slice));
        }
    }

    // An expert index at or beyond num_experts means config.json and the weights disagree on the expert count: say so
    // rather than only that some tensor is missing.
    private void ValidateExpertNames(QwenMoeConfig moe)
    {
        foreach (var name in _tensors.Keys)
        {
            const string marker = ".mlp.experts.";
            var at = name.IndexOf(marker, StringComparison.Ordinal);
            if (at < 0)
            {
                continue;
            }

            var rest = name[(at + marker.Length)..];
            var dot = rest.IndexOf('.', StringComparison.Ordinal);
            if (dot > 0 && int.TryParse(rest[..dot], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var expert)
                && expert >= moe.NumExperts)
            {
                throw new CheckpointException(
                    $"tensor '{name}' is expert {expert}, but config.json has num_experts {moe.NumExperts}: the checkpoint holds more experts than its config");
            }
        }
    }

    public void Dispose()
    {
        foreach (var file in _files)
        {
            file.Dispose();
        }
    }

    private (SafetensorsFile File, SafetensorsEntry Entry) Find(string name) =>
        _tensors.TryGetValue(name, out var found) ? found : throw new CheckpointException($"missing tensor '{name}'");

    private static TensorDtype DtypeOf(SafetensorsEntry entry) =>
        entry.TryGetDtype(out var dtype)
            ? dtype
            : throw new CheckpointException($"unsupported dtype '{entry.DtypeName}' for tensor '{entry.Name}'; supported: F32, F16, BF16");
}
