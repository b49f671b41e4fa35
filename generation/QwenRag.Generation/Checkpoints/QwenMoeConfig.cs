namespace QwenRag.Generation.Checkpoints;

/// <summary>
/// The mixture-of-experts part of a Qwen2-MoE / Qwen3-MoE config.json. A layer is sparse when it is not in
/// <see cref="MlpOnlyLayers"/> and (layer + 1) is a multiple of <see cref="DecoderSparseStep"/>; other layers keep the
/// dense MLP of intermediate_size, as in transformers' Qwen2MoeDecoderLayer / Qwen3MoeDecoderLayer.
/// </summary>
/// <param name="NumExperts">num_experts.</param>
/// <param name="TopK">num_experts_per_tok: experts each token is routed to.</param>
/// <param name="MoeIntermediateSize">moe_intermediate_size: the intermediate width of one expert.</param>
/// <param name="SharedExpertIntermediateSize">Qwen2-MoE's shared expert width (gated by a sigmoid); 0 when there is none (Qwen3-MoE).</param>
/// <param name="NormTopKProb">norm_topk_prob: renormalise the top-k routing weights to sum to one.</param>
/// <param name="DecoderSparseStep">decoder_sparse_step.</param>
/// <param name="MlpOnlyLayers">mlp_only_layers: layers that stay dense.</param>
public sealed record QwenMoeConfig(
    int NumExperts,
    int TopK,
    int MoeIntermediateSize,
    int SharedExpertIntermediateSize,
    bool NormTopKProb,
    int DecoderSparseStep,
    IReadOnlyList<int> MlpOnlyLayers)
{
    public bool HasSharedExpert => SharedExpertIntermediateSize > 0;

    /// <summary>Whether the layer's MLP is the routed experts (else the dense gate/up/down MLP).</summary>
    public bool IsSparse(int layer) =>
        NumExperts > 0 && !MlpOnlyLayers.Contains(layer) && (layer + 1) % DecoderSparseStep == 0;

    public bool Equals(QwenMoeConfig? other) =>
        other is not null && NumExperts == other.NumExperts && TopK == other.TopK && MoeIntermediateSize == other.MoeIntermediateSize
        && SharedExpertIntermediateSize == other.SharedExpertIntermediateSize && NormTopKProb == other.NormTopKProb
        && DecoderSparseStep == other.DecoderSparseStep && MlpOnlyLayers.SequenceEqual(other.MlpOnlyLayers);

    public override int GetHashCode() => HashCode.Combine(NumExperts, TopK, MoeIntermediateSize, SharedExpertIntermediateSize, NormTopKProb, DecoderSparseStep);
}
