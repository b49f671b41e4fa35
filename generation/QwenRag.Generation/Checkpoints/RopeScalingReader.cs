using System.Text.Json;

namespace QwenRag.Generation.Checkpoints;

/// <summary>
/// Reads "rope_theta" and "rope_scaling" (transformers 4.x) or "rope_parameters" (transformers 5, where
/// rope_theta lives inside the block).
/// </summary>
internal static class RopeScalingReader
{
    private const double DefaultTheta = 10000.0;

    public static (double Theta, RopeScaling Scaling) Read(JsonElement root)
    {
        var theta = QwenConfigReader.OptionalDouble(root, "rope_theta");
        var scaling = RopeScaling.None;

        if (root.TryGetProperty("rope_parameters", out var parameters) && parameters.ValueKind == JsonValueKind.Object)
        {
            // Models that mix attention kinds keep one block per layer type; Qwen's full-attention block rules.
            if (!HasType(parameters) && parameters.TryGetProperty("full_attention", out var full) && full.ValueKind == JsonValueKind.Object)
            {
                parameters = full;
            }

            theta = QwenConfigReader.OptionalDouble(parameters, "rope_theta") ?? theta;
            scaling = ReadBlock(parameters, "rope_parameters", typeRequired: false);
        }
        else if (root.TryGetProperty("rope_scaling", out var block) && block.ValueKind == JsonValueKind.Object)
        {
            theta = QwenConfigReader.OptionalDouble(block, "rope_theta") ?? theta;
            scaling = ReadBlock(block, "rope_scaling", typeRequired: true);
        }
        else if (root.TryGetProperty("rope_scaling", out block) && block.ValueKind != JsonValueKind.Null)
        {
            throw new CheckpointException($"config.json: \"rope_scaling\" must be an object or null, got {block.GetRawText()}");
        }

        theta ??= DefaultTheta;
        if (theta <= 0)
        {
            throw new CheckpointException($"config.json: rope_theta must be positive, got {theta}");
        }

        return (theta.Value, scaling);
    }

    private static bool HasType(JsonElement block) => block.TryGetProperty("rope_type", out _) || block.TryGetProperty("type", out _);

    private static RopeScaling ReadBlock(JsonElement block, string blockName, bool typeRequired)
    {
        var typeName = ReadTypeName(block);
        if (typeName is null && typeRequired)
        {
            throw new CheckpointException($"config.json: \"{blockName}\" has no \"rope_type\" or \"type\"");
        }

        var type = (typeName ?? "default") switch
        {
            "default" => RopeType.Default,
            "linear" => RopeType.Linear,
            "dynamic" => RopeType.Dynamic,
            "yarn" => RopeType.Yarn,
            var other => throw new CheckpointException($"config.json: unsupported RoPE scaling type '{other}' in \"{blockName}\"; supported: default, linear, dynamic, yarn"),
        };

        var factor = QwenConfigReader.OptionalDouble(block, "factor");
        if (type != RopeType.Default && factor is null)
        {
            throw new CheckpointException($"config.json: \"{blockName}\" of type '{typeName}' needs a \"factor\"");
        }

        if (factor is <= 0)
        {
            throw new CheckpointException($"config.json: \"{blockName}\" factor must be positive, got {factor}");
        }

        return new RopeScaling(
            type,
            type == RopeType.Default ? 1.0 : factor!.Value,
            QwenConfigReader.OptionalInt(block, "original_max_position_embeddings"),
            QwenConfigReader.OptionalDouble(block, "beta_fast"),
            QwenConfigReader.OptionalDouble(block, "beta_slow"),
            QwenConfigReader.OptionalDouble(block, "attention_factor"),
            QwenConfigReader.OptionalDouble(block, "mscale"),
            QwenConfigReader.OptionalDouble(block, "mscale_all_dim"),
            QwenConfigReader.OptionalBool(block, "truncate") ?? true);
    }

    // transformers prefers "rope_type" and falls back to the legacy "type".
    private static string? ReadTypeName(JsonElement block)
    {
        foreach (var key in new[] { "rope_type", "type" })
        {
            if (block.TryGetProperty(key, out var value) && value.ValueKind == JsonValueKind.String)
            {
                return value.GetString();
            }
        }

        return null;
    }
}
