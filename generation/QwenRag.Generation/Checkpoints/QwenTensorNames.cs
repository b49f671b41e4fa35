namespace QwenRag.Generation.Checkpoints;

/// <summary>Hugging Face tensor names of Qwen2/Qwen3 checkpoints.</summary>
public static class QwenTensorNames
{
    /// <summary>What a causal LM puts before the base model's tensor names.</summary>
    public const string ModelPrefix = "model.";

    public const string EmbedTokens = "model.embed_tokens.weight";
    public const string FinalNorm = "model.norm.weight";
    public const string LmHead = "lm_head.weight";

    /// <summary>A per-layer tensor, e.g. <c>Layer(3, "self_attn.q_proj.weight")</c>.</summary>
    public static string Layer(int layer, string suffix) => $"model.layers.{layer}.{suffix}";

    public static string InputNorm(int layer) => Layer(layer, "input_layernorm.weight");

    public static string PostAttentionNorm(int layer) => Layer(layer, "post_attention_layernorm.weight");

    /// <summary>Attention projection weight; <paramref name="projection"/> is q_proj, k_proj, v_proj or o_proj.</summary>
    public static string Attention(int layer, string projection, string kind = "weight") => Layer(layer, $"self_attn.{projection}.{kind}");

    /// <summary>Qwen3's per-head RMSNorm; <paramref name="norm"/> is q_norm or k_norm.</summary>
    public static string HeadNorm(int layer, string norm) => Layer(layer, $"self_attn.{norm}.weight");

    /// <summary>MLP weight; <paramref name="projection"/> is gate_proj, up_proj or down_proj.</summary>
    public static string Mlp(int layer, string projection) => Layer(layer, $"mlp.{projection}.weight");
}
