namespace QwenRag.Generation.Checkpoints;

/// <summary>Writes small Hugging Face-format Qwen checkpoints with seeded random weights, for tests and demos.</summary>
public static class TinyCheckpoint
{
    public static void Write(string directory, TinyCheckpointOptions options)
    {
        var config = options.ToConfig();
        var layout = QwenTensorLayout.For(config, languageModelHead: !options.BaseModel, fusedExperts: options.FusedExperts).Where(t => !t.Optional).ToList();
        if (options.Shards < 1 || options.Shards > layout.Count)
        {
            throw new ArgumentOutOfRangeException(nameof(options), $"Shards must be between 1 and {layout.Count}");
        }

        System.IO.Directory.CreateDirectory(directory);
        File.WriteAllText(Path.Combine(directory, SafetensorsCheckpoint.ConfigFileName), config.ToJson());

        // One generator walks the layout in order, so the values do not depend on dtype or sharding.
        var random = new Random(options.Seed);
        var tensors = layout.Select(t => (Name: SavedName(t.Name, options.BaseModel), Shape: t.Shape.Select(d => (int)d).ToArray(), Data: Values(t, options.Scale, random))).ToList();

        if (options.Shards == 1)
        {
            SafetensorsWriter.Write(Path.Combine(directory, SafetensorsCheckpoint.SingleFileName), tensors, options.Dtype);
            return;
        }

        var weightMap = new SortedDictionary<string, string>(StringComparer.Ordinal);
        long totalSize = 0;
        for (var shard = 0; shard < options.Shards; shard++)
        {
            var fileName = $"model-{shard + 1:D5}-of-{options.Shards:D5}.safetensors";
            var first = shard * tensors.Count / options.Shards;
            var part = tensors[first..((shard + 1) * tensors.Count / options.Shards)];
            SafetensorsWriter.Write(Path.Combine(directory, fileName), part, options.Dtype);
            foreach (var tensor in part)
            {
                weightMap[tensor.Name] = fileName;
                totalSize += (long)tensor.Data.Length * options.Dtype.ElementSize();
            }
        }

        var index = new Dictionary<string, object>
        {
            ["metadata"] = new Dictionary<string, long> { ["total_size"] = totalSize },
            ["weight_map"] = weightMap,
        };
        File.WriteAllText(
            Path.Combine(directory, SafetensorsCheckpoint.IndexFileName),
            System.Text.Json.JsonSerializer.Serialize(index, new System.Text.Json.JsonSerializerOptions { WriteIndented = true }));
    }

    private static string SavedName(string name, bool baseModel) =>
        baseModel && name.StartsWith(QwenTensorNames.ModelPrefix, StringComparison.Ordinal) ? name[QwenTensorNames.ModelPrefix.Length..] : name;

    private static float[] Values(ExpectedTensor tensor, float scale, Random random)
    {
        var values = new float[tensor.Shape.Aggregate(1L, (count, dim) => count * dim)];
        var offset = tensor.Role == TensorRole.NormScale ? 1f : 0f;
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = offset + (scale * Normal(random));
        }

        return values;
    }

    // Box-Muller; Random(seed) is stable across .NET versions, so checkpoints are too.
    private static float Normal(Random random)
    {
        var u1 = 1.0 - random.NextDouble();
        var u2 = random.NextDouble();
        return (float)(Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2));
    }
}
