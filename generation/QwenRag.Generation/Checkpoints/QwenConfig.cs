namespace QwenRag.Generation.Checkpoints;

/// <summary>
/// The parts of a Hugging Face Qwen2/Qwen3 config.json the engine needs, with transformers' defaults and
/// derivations already applied (head_dim, key/value heads, which layers use sliding-window attention).
/// </summary>
public sealed record QwenConfig(
    QwenArchitecture Architecture,
    int HiddenSize,
    int IntermediateSize,
    int NumLayers,
    int NumHeads,
    int NumKvHeads,
    int HeadDim,
    int VocabSize,
    double RmsNormEps,
    double RopeTheta,
    RopeScaling RopeScaling,
    int MaxPositionEmbeddings,
    bool TieWordEmbeddings,
    bool AttentionBias,
    IReadOnlyList<bool> SlidingLayers,
    int? SlidingWindow,
    int? BosTokenId,
    int? EosTokenId)
{
    /// <summary>
    /// Non-null for Qwen2MoeForCausalLM / Qwen3MoeForCausalLM: <see cref="Architecture"/> then names the attention
    /// family (Qwen2: q/k/v biases; Qwen3: q/k norms) and this the experts.
    /// </summary>
    public QwenMoeConfig? Moe { get; init; }

    /// <summary>Whether the layer routes to experts (a MoE model's sparse layer) instead of the dense MLP.</summary>
    public bool IsSparse(int layer) => Moe?.IsSparse(layer) ?? false;

    /// <summary>Reads and parses a config.json file.</summary>
    public static QwenConfig Load(string configJsonPath)
    {
        if (!File.Exists(configJsonPath))
        {
            throw new CheckpointException($"missing config.json: '{configJsonPath}' does not exist");
        }

        return Parse(File.ReadAllText(configJsonPath));
    }

    /// <summary>Parses config.json text.</summary>
    public static QwenConfig Parse(string json) => QwenConfigReader.Parse(json);

    /// <summary>Whether the layer attends within <see cref="SlidingWindow"/> instead of the whole context.</summary>
    public bool IsSliding(int layer) => SlidingLayers[layer];

    /// <summary>Attention heads that share one key/value head.</summary>
    public int KvGroupSize => NumHeads / NumKvHeads;

    /// <summary>Hugging Face config.json text for this config; <see cref="Parse"/> reads it back to an equal config.</summary>
    public string ToJson() => QwenConfigWriter.ToJson(this);
}
