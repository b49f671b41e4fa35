using System.Text.Json;

namespace QwenRag.Generation.Checkpoints;

/// <summary>model.safetensors.index.json: which shard file holds each tensor.</summary>
internal sealed class ShardIndex
{
    private readonly string _path;
    private readonly Dictionary<string, string> _weightMap;

    private ShardIndex(string path, Dictionary<string, string> weightMap)
    {
        _path = path;
        _weightMap = weightMap;
        Files = weightMap.Values.Distinct(StringComparer.Ordinal).ToList();
    }

    /// <summary>Shard file names, relative to the checkpoint folder, in first-mention order.</summary>
    public IReadOnlyList<string> Files { get; }

    public static ShardIndex Load(string path)
    {
        try
        {
            using var document = JsonDocument.Parse(File.ReadAllBytes(path));
            if (!document.RootElement.TryGetProperty("weight_map", out var map) || map.ValueKind != JsonValueKind.Object)
            {
                throw new CheckpointException($"'{path}' has no \"weight_map\" object");
            }

            var weightMap = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var entry in map.EnumerateObject())
            {
                var file = entry.Value.GetString();
                if (string.IsNullOrEmpty(file) || Path.IsPathRooted(file) || file.Contains("..", StringComparison.Ordinal))
                {
                    throw new CheckpointException($"'{path}' maps tensor '{entry.Name}' to an unusable file name '{file}'");
                }

                weightMap[entry.Name] = file;
            }

            return weightMap.Count > 0 ? new ShardIndex(path, weightMap) : throw new CheckpointException($"'{path}' has an empty \"weight_map\"");
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            throw new CheckpointException($"malformed shard index '{path}': {e.Message}");
        }
    }

    /// <summary>Every tensor the index lists must be in the shard it names.</summary>
    public void CheckAgainst(IReadOnlyDictionary<string, string> fileByTensor)
    {
        foreach (var (tensor, file) in _weightMap)
        {
            if (!fileByTensor.TryGetValue(tensor, out var actual) || actual != file)
            {
                throw new CheckpointException($"'{_path}' lists tensor '{tensor}' in '{file}' but that shard does not hold it");
            }
        }
    }
}
