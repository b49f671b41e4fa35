using System.Text.Json;
using System.Text.Json.Nodes;
using QwenRag.Generation.Checkpoints;

namespace QwenRag.Generation.Onnx;

/// <summary>Writes onnxruntime-genai's genai_config.json for a built Qwen model.</summary>
internal static class GenAiConfig
{
    public static void Write(string path, QwenConfig config, int contextLength, bool dynamicRope)
    {
        var eos = config.EosTokenId ?? config.BosTokenId ?? 0;
        var bos = config.BosTokenId ?? eos;
        var root = new JsonObject
        {
            ["model"] = new JsonObject
            {
                ["bos_token_id"] = bos,
                ["context_length"] = contextLength,
                ["decoder"] = new JsonObject
                {
                    ["session_options"] = new JsonObject { ["log_id"] = "onnxruntime-genai", ["provider_options"] = new JsonArray() },
                    ["filename"] = QwenOnnxBuilder.ModelFileName,
                    ["head_size"] = config.HeadDim,
                    ["hidden_size"] = config.HiddenSize,
                    ["inputs"] = new JsonObject
                    {
                        ["input_ids"] = "input_ids",
                        ["attention_mask"] = "attention_mask",
                        ["past_key_names"] = "past_key_values.%d.key",
                        ["past_value_names"] = "past_key_values.%d.value",
                    },
                    ["outputs"] = new JsonObject
                    {
                        ["logits"] = "logits",
                        ["present_key_names"] = "present.%d.key",
                        ["present_value_names"] = "present.%d.value",
                    },
                    ["num_attention_heads"] = config.NumHeads,
                    ["num_hidden_layers"] = config.NumLayers,
                    ["num_key_value_heads"] = config.NumKvHeads,
                },
                ["eos_token_id"] = eos,
                ["pad_token_id"] = eos,
                ["type"] = config.Architecture == QwenArchitecture.Qwen3 ? "qwen3" : "qwen2",
                ["vocab_size"] = config.VocabSize,
            },
            ["search"] = new JsonObject
            {
                ["diversity_penalty"] = 0.0,
                ["do_sample"] = false,
                ["early_stopping"] = true,
                ["length_penalty"] = 1.0,
                ["max_length"] = contextLength,
                ["min_length"] = 0,
                ["no_repeat_ngram_size"] = 0,
                ["num_beams"] = 1,
                ["num_return_sequences"] = 1,
                ["past_present_share_buffer"] = true,
                ["repetition_penalty"] = 1.0,
                ["temperature"] = 1.0,
                ["top_k"] = 1,
                ["top_p"] = 1.0,
            },
        };
        if (dynamicRope)
        {
            // onnxruntime-genai rejects unknown keys, which is what we want: it cannot feed the per-step
            // cos_cache/sin_cache inputs that dynamic NTK scaling needs, so it must refuse rather than run wrong.
            root["qwenrag_dynamic_rope"] = "cos_cache and sin_cache are graph inputs [positions, head_size/2] that QwenRag's runtime " +
                "computes each step from the total length (dynamic NTK); onnxruntime-genai cannot run this model.";
        }

        File.WriteAllText(path, root.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
    }
}
