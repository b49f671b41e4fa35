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

    /// <summary>The MoE router: <c>mlp.gate.weight</c>, [num_experts, hidden].</summary>
    public static string Router(int layer) => Layer(layer, "mlp.gate.weight");

    /// <summary>One expert's projection; <paramref name="projection"/> is gate_proj, up_proj or down_proj.</summary>
    public static string Expert(int layer, int expert, string projection) => Layer(layer, $"mlp.experts.{expert}.{projection}.weight");

    /// <summary>
    /// Newer transformers' fused experts: <c>mlp.experts.gate_up_proj</c> [num_experts, 2·moe_intermediate, hidden]
    /// (gate rows, then up rows) and <c>mlp.experts.down_proj</c> [num_experts, hidden, moe_intermediate].
    /// </summary>
    public static string FusedExperts(int layer, string projection) => Layer(layer, $"mlp.experts.{projection}");

    /// <summary>Qwen2-MoE's shared expert projection (gate_proj, up_proj or down_proj).</summary>
    public static string SharedExpert(int layer, string projection) => Layer(layer, $"mlp.shared_expert.{projection}.weight");

    /// <summary>Qwen2-MoE's shared expert gate, [1, hidden], through a sigmoid.</summary>
    public static string SharedExpertGate(int layer) => Layer(layer, "mlp.shared_expert_gate.weight");
}
