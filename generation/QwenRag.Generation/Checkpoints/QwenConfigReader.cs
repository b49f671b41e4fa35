using System.Text.Json;

namespace QwenRag.Generation.Checkpoints;

/// <summary>Applies Hugging Face transformers' Qwen2Config/Qwen3Config defaults while reading config.json.</summary>
internal static class QwenConfigReader
{
    private const string Expected = "Qwen2ForCausalLM, Qwen3ForCausalLM, Qwen2MoeForCausalLM or Qwen3MoeForCausalLM";

    public static QwenConfig Parse(string json)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json, new JsonDocumentOptions { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip });
        }
        catch (JsonException e)
        {
            throw new CheckpointException($"config.json is not valid JSON: {e.Message}");
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw new CheckpointException("config.json must hold a JSON object");
            }

            return Parse(root);
        }
    }

    private static QwenConfig Parse(JsonElement root)
    {
        var (architecture, moe) = ReadArchitecture(root);
        var hidden = RequiredPositiveInt(root, "hidden_size");
        var layers = RequiredPositiveInt(root, "num_hidden_layers");

        // Qwen2MoeConfig / Qwen3MoeConfig default intermediate_size (the dense layers' width) to 22016 / 6144.
        var intermediate = moe
            ? OptionalPositiveInt(root, "intermediate_size") ?? (architecture == QwenArchitecture.Qwen2 ? 22016 : 6144)
            : RequiredPositiveInt(root, "intermediate_size");
        var heads = RequiredPositiveInt(root, "num_attention_heads");
        var vocab = RequiredPositiveInt(root, "vocab_size");
        var kvHeads = OptionalInt(root, "num_key_value_heads") ?? heads;
        if (kvHeads <= 0 || heads % kvHeads != 0)
        {
            throw new CheckpointException($"config.json: num_attention_heads ({heads}) must be a multiple of num_key_value_heads ({kvHeads})");
        }

        // Qwen2 modelling falls back to hidden/heads; Qwen3Config declares head_dim itself (default 128). Qwen3MoeConfig
        // has no head_dim default, and Qwen3MoeAttention falls back to hidden/heads like Qwen2.
        var headDim = OptionalInt(root, "head_dim") ?? (architecture == QwenArchitecture.Qwen3 && !moe ? 128 : hidden / heads);
        if (headDim <= 0 || headDim % 2 != 0)
        {
            throw new CheckpointException($"config.json: head_dim must be a positive even number, got {headDim}");
        }

        if (!root.TryGetProperty("head_dim", out _) && (architecture == QwenArchitecture.Qwen2 || moe) && hidden % heads != 0)
        {
            throw new CheckpointException($"config.json: hidden_size ({hidden}) is not a multiple of num_attention_heads ({heads}) and no head_dim is given");
        }

        var (ropeTheta, ropeScaling) = RopeScalingReader.Read(root);
        var (slidingLayers, slidingWindow) = ReadSliding(root, layers);

        return new QwenConfig(
            architecture,
            hidden,
            intermediate,
            layers,
            heads,
            kvHeads,
            headDim,
            vocab,
            RmsNormEps: OptionalDouble(root, "rms_norm_eps") ?? 1e-6,
            RopeTheta: ropeTheta,
            RopeScaling: ropeScaling,
            MaxPositionEmbeddings: OptionalInt(root, "max_position_embeddings") ?? 32768,
            TieWordEmbeddings: OptionalBool(root, "tie_word_embeddings") ?? false,
            AttentionBias: architecture == QwenArchitecture.Qwen2 || (OptionalBool(root, "attention_bias") ?? false),
            SlidingLayers: slidingLayers,
            SlidingWindow: slidingWindow,
            BosTokenId: OptionalTokenId(root, "bos_token_id"),
            EosTokenId: OptionalTokenId(root, "eos_token_id"))
        {
            Moe = moe ? ReadMoe(root, architecture, layers) : null,
        };
    }

    // Qwen2MoeConfig: 60 experts, top 4, moe_intermediate_size 1408, shared expert 5632; Qwen3MoeConfig: 128 experts,
    // top 8, 768, no shared expert. Both: norm_topk_prob false, decoder_sparse_step 1, mlp_only_layers [].
    private static QwenMoeConfig ReadMoe(JsonElement root, QwenArchitecture architecture, int layers)
    {
        var qwen2 = architecture == QwenArchitecture.Qwen2;
        var experts = OptionalInt(root, "num_experts") ?? (qwen2 ? 60 : 128);
        var topK = OptionalInt(root, "num_experts_per_tok") ?? (qwen2 ? 4 : 8);
        if (experts <= 0)
        {
            throw new CheckpointException($"config.json: \"num_experts\" must be positive, got {experts}");
        }

        if (topK <= 0 || topK > experts)
        {
            throw new CheckpointException($"config.json: \"num_experts_per_tok\" ({topK}) must be between 1 and num_experts ({experts})");
        }

        var step = OptionalInt(root, "decoder_sparse_step") ?? 1;
        if (step <= 0)
        {
            throw new CheckpointException($"config.json: \"decoder_sparse_step\" must be positive, got {step}");
        }

        var mlpOnly = new List<int>();
        if (root.TryGetProperty("mlp_only_layers", out var list) && list.ValueKind != JsonValueKind.Null)
        {
            if (list.ValueKind != JsonValueKind.Array)
            {
                throw new CheckpointException($"config.json: \"mlp_only_layers\" must be a list of layer indices, got {list.GetRawText()}");
            }

            foreach (var item in list.EnumerateArray())
            {
                if (!item.TryGetInt32(out var layer) || layer < 0 || layer >= layers)
                {
                    throw new CheckpointException($"config.json: \"mlp_only_layers\" holds {item.GetRawText()}, not a layer index below {layers}");
                }

                mlpOnly.Add(layer);
            }
        }

        var shared = qwen2 ? OptionalPositiveInt(root, "shared_expert_intermediate_size") ?? 5632 : 0;
        return new QwenMoeConfig(
            experts,
            topK,
            OptionalPositiveInt(root, "moe_intermediate_size") ?? (qwen2 ? 1408 : 768),
            shared,
            OptionalBool(root, "norm_topk_prob") ?? false,
            step,
            mlpOnly);
    }

    private static int? OptionalPositiveInt(JsonElement obj, string key) => OptionalInt(obj, key) switch
    {
        null => null,
        > 0 and var value => value,
        var value => throw new CheckpointException($"config.json: \"{key}\" must be positive, got {value}"),
    };

    private static (QwenArchitecture Architecture, bool Moe) ReadArchitecture(JsonElement root)
    {
        if (!root.TryGetProperty("architectures", out var list) || list.ValueKind != JsonValueKind.Array || list.GetArrayLength() == 0)
        {
            throw new CheckpointException($"config.json has no \"architectures\" list; expected {Expected}");
        }

        var name = list[0].ValueKind == JsonValueKind.String ? list[0].GetString() : list[0].GetRawText();
        return name switch
        {
            // Qwen2Model/Qwen3Model: the base model without a language-model head (embedding checkpoints).
            "Qwen2ForCausalLM" or "Qwen2Model" => (QwenArchitecture.Qwen2, false),
            "Qwen3ForCausalLM" or "Qwen3Model" => (QwenArchitecture.Qwen3, false),
            "Qwen2MoeForCausalLM" or "Qwen2MoeModel" => (QwenArchitecture.Qwen2, true),
            "Qwen3MoeForCausalLM" or "Qwen3MoeModel" => (QwenArchitecture.Qwen3, true),
            _ => throw new CheckpointException($"unsupported architecture '{name}'; expected {Expected}"),
        };
    }

    // transformers: sliding_window is dropped unless use_sliding_window; layer_types, when absent, marks
    // layers from max_window_layers on as sliding. A "sliding" layer without a window attends fully.
    private static (IReadOnlyList<bool> Layers, int? Window) ReadSliding(JsonElement root, int layers)
    {
        var useSliding = OptionalBool(root, "use_sliding_window") ?? false;
        var window = useSliding ? OptionalInt(root, "sliding_window") : null;
        if (window is <= 0)
        {
            throw new CheckpointException($"config.json: sliding_window must be positive, got {window}");
        }

        var sliding = new bool[layers];
        if (root.TryGetProperty("layer_types", out var types) && types.ValueKind == JsonValueKind.Array)
        {
            if (types.GetArrayLength() != layers)
            {
                throw new CheckpointException($"config.json: layer_types has {types.GetArrayLength()} entries but num_hidden_layers is {layers}");
            }

            var i = 0;
            foreach (var type in types.EnumerateArray())
            {
                sliding[i++] = type.GetString() switch
                {
                    "sliding_attention" => window is not null,
                    "full_attention" => false,
                    var other => throw new CheckpointException($"config.json: unsupported layer type '{other}' in layer_types"),
                };
            }
        }
        else if (window is not null)
        {
            var maxWindowLayers = OptionalInt(root, "max_window_layers") ?? 28;
            for (var i = Math.Max(maxWindowLayers, 0); i < layers; i++)
            {
                sliding[i] = true;
            }
        }

        return (sliding, sliding.Contains(true) ? window : null);
    }

    internal static int RequiredPositiveInt(JsonElement obj, string key)
    {
        var value = OptionalInt(obj, key) ?? throw new CheckpointException($"config.json is missing \"{key}\"");
        return value > 0 ? value : throw new CheckpointException($"config.json: \"{key}\" must be positive, got {value}");
    }

    internal static int? OptionalInt(JsonElement obj, string key)
    {
        if (!obj.TryGetProperty(key, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (value.ValueKind == JsonValueKind.Number)
        {
            if (value.TryGetInt32(out var i))
            {
                return i;
            }

            // Some exporters write integral values as 32768.0.
            if (value.TryGetDouble(out var d) && d == Math.Floor(d) && d is >= int.MinValue and <= int.MaxValue)
            {
                return (int)d;
            }
        }

        throw new CheckpointException($"config.json: \"{key}\" must be an integer, got {value.GetRawText()}");
    }

    internal static double? OptionalDouble(JsonElement obj, string key)
    {
        if (!obj.TryGetProperty(key, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        return value.ValueKind == JsonValueKind.Number
            ? value.GetDouble()
            : throw new CheckpointException($"config.json: \"{key}\" must be a number, got {value.GetRawText()}");
    }

    internal static bool? OptionalBool(JsonElement obj, string key)
    {
        if (!obj.TryGetProperty(key, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        return value.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => throw new CheckpointException($"config.json: \"{key}\" must be true or false, got {value.GetRawText()}"),
        };
    }

    // eos_token_id may be a list (several stop tokens); the first is the model's own end token.
    private static int? OptionalTokenId(JsonElement obj, string key)
    {
        if (obj.TryGetProperty(key, out var value) && value.ValueKind == JsonValueKind.Array)
        {
            return value.GetArrayLength() == 0 ? null : value[0].TryGetInt32(out var first) ? first
                : throw new CheckpointException($"config.json: \"{key}\" must hold integers, got {value.GetRawText()}");
        }

        return OptionalInt(obj, key);
    }
}
