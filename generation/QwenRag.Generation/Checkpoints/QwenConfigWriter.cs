using System.Text;
using System.Text.Json;

namespace QwenRag.Generation.Checkpoints;

/// <summary>Writes a <see cref="QwenConfig"/> as the config.json transformers would save for it.</summary>
internal static class QwenConfigWriter
{
    public static string ToJson(QwenConfig config)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            json.WriteStartObject();
            json.WriteStartArray("architectures");
            var family = config.Architecture == QwenArchitecture.Qwen2 ? "Qwen2" : "Qwen3";
            var moe = config.Moe is null ? "" : "Moe";
            json.WriteStringValue($"{family}{moe}ForCausalLM");
            json.WriteEndArray();
            json.WriteString("model_type", config.Moe is null ? family.ToLowerInvariant() : family.ToLowerInvariant() + "_moe");
            json.WriteBoolean("attention_bias", config.AttentionBias);
            json.WriteNumber("attention_dropout", 0.0);
            WriteOptionalInt(json, "bos_token_id", config.BosTokenId);
            WriteOptionalInt(json, "eos_token_id", config.EosTokenId);
            json.WriteNumber("head_dim", config.HeadDim);
            json.WriteString("hidden_act", "silu");
            json.WriteNumber("hidden_size", config.HiddenSize);
            json.WriteNumber("initializer_range", 0.02);
            json.WriteNumber("intermediate_size", config.IntermediateSize);
            json.WriteStartArray("layer_types");
            foreach (var sliding in config.SlidingLayers)
            {
                json.WriteStringValue(sliding ? "sliding_attention" : "full_attention");
            }

            json.WriteEndArray();
            json.WriteNumber("max_position_embeddings", config.MaxPositionEmbeddings);
            // Readers without layer_types support derive the same layers from max_window_layers.
            json.WriteNumber("max_window_layers", FirstSlidingLayer(config));
            json.WriteNumber("num_attention_heads", config.NumHeads);
            json.WriteNumber("num_hidden_layers", config.NumLayers);
            json.WriteNumber("num_key_value_heads", config.NumKvHeads);
            json.WriteNumber("rms_norm_eps", config.RmsNormEps);
            WriteRopeScaling(json, config.RopeScaling);
            json.WriteNumber("rope_theta", config.RopeTheta);
            WriteOptionalInt(json, "sliding_window", config.SlidingWindow);
            json.WriteBoolean("tie_word_embeddings", config.TieWordEmbeddings);
            json.WriteString("torch_dtype", "float32");
            json.WriteBoolean("use_cache", true);
            json.WriteBoolean("use_sliding_window", config.SlidingWindow is not null);
            json.WriteNumber("vocab_size", config.VocabSize);
            if (config.Moe is { } experts)
            {
                WriteMoe(json, experts);
            }

            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.ToArray()) + "\n";
    }

    private static void WriteMoe(Utf8JsonWriter json, QwenMoeConfig moe)
    {
        json.WriteNumber("num_experts", moe.NumExperts);
        json.WriteNumber("num_experts_per_tok", moe.TopK);
        json.WriteNumber("moe_intermediate_size", moe.MoeIntermediateSize);
        if (moe.HasSharedExpert)
        {
            json.WriteNumber("shared_expert_intermediate_size", moe.SharedExpertIntermediateSize);
        }

        json.WriteBoolean("norm_topk_prob", moe.NormTopKProb);
        json.WriteNumber("decoder_sparse_step", moe.DecoderSparseStep);
        json.WriteStartArray("mlp_only_layers");
        foreach (var layer in moe.MlpOnlyLayers)
        {
            json.WriteNumberValue(layer);
        }

        json.WriteEndArray();
        json.WriteNumber("router_aux_loss_coef", 0.001);
        json.WriteBoolean("output_router_logits", false);
    }

    private static int FirstSlidingLayer(QwenConfig config)
    {
        var first = config.SlidingLayers.ToList().IndexOf(true);
        return first < 0 ? config.NumLayers : first;
    }

    private static void WriteRopeScaling(Utf8JsonWriter json, RopeScaling scaling)
    {
        if (scaling.Type == RopeType.Default)
        {
            json.WriteNull("rope_scaling");
            return;
        }

        var typeName = scaling.Type.ToString().ToLowerInvariant();
        json.WriteStartObject("rope_scaling");
        json.WriteString("rope_type", typeName);
        json.WriteString("type", typeName);
        json.WriteNumber("factor", scaling.Factor);
        WriteOptionalInt(json, "original_max_position_embeddings", scaling.OriginalMaxPositionEmbeddings);
        WriteOptionalDouble(json, "beta_fast", scaling.BetaFast);
        WriteOptionalDouble(json, "beta_slow", scaling.BetaSlow);
        WriteOptionalDouble(json, "attention_factor", scaling.AttentionFactor);
        WriteOptionalDouble(json, "mscale", scaling.Mscale);
        WriteOptionalDouble(json, "mscale_all_dim", scaling.MscaleAllDim);
        if (!scaling.Truncate)
        {
            json.WriteBoolean("truncate", false);
        }

        json.WriteEndObject();
    }

    private static void WriteOptionalInt(Utf8JsonWriter json, string key, int? value)
    {
        if (value is { } v)
        {
            json.WriteNumber(key, v);
        }
        else
        {
            json.WriteNull(key);
        }
    }

    private static void WriteOptionalDouble(Utf8JsonWriter json, string key, double? value)
    {
        if (value is { } v)
        {
            json.WriteNumber(key, v);
        }
    }
}
