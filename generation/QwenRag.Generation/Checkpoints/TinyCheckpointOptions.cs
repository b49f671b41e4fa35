namespace QwenRag.Generation.Checkpoints;

/// <summary>Shape and contents of a random test checkpoint; defaults make a 2-layer Qwen2 with grouped-query attention.</summary>
public sealed record TinyCheckpointOptions
{
    public QwenArchitecture Architecture { get; init; } = QwenArchitecture.Qwen2;

    public int Layers { get; init; } = 2;

    public int Hidden { get; init; } = 64;

    public int Heads { get; init; } = 4;

    public int KvHeads { get; init; } = 2;

    /// <summary>Null: Hidden / Heads.</summary>
    public int? HeadDim { get; init; }

    public int Intermediate { get; init; } = 128;

    public int Vocab { get; init; } = 256;

    public RopeScaling RopeScaling { get; init; } = RopeScaling.None;

    public double RopeTheta { get; init; } = 10000;

    public int MaxPositions { get; init; } = 512;

    /// <summary>Non-null: layers from <see cref="MaxWindowLayers"/> on attend within this many tokens.</summary>
    public int? SlidingWindow { get; init; }

    public int MaxWindowLayers { get; init; }

    public bool Tied { get; init; }

    /// <summary>Qwen3 only (Qwen2 always has q/k/v biases): biases on q/k/v/o projections.</summary>
    public bool AttentionBias { get; init; }

    public double RmsNormEps { get; init; } = 1e-6;

    public int? BosTokenId { get; init; }

    public int? EosTokenId { get; init; }

    public int Seed { get; init; } = 1;

    public TensorDtype Dtype { get; init; } = TensorDtype.F32;

    /// <summary>Standard deviation of weights and biases; norm scales are 1 plus noise of this size.</summary>
    public float Scale { get; init; } = 0.05f;

    public int Shards { get; init; } = 1;

    /// <summary>
    /// A base model as Qwen3-Embedding is saved: tensor names without the <c>model.</c> prefix and no lm_head
    /// (the same values as the causal LM of the same seed, less the head).
    /// </summary>
    public bool BaseModel { get; init; }

    /// <summary>Non-zero: a Qwen2-MoE / Qwen3-MoE checkpoint with this many experts on its sparse layers.</summary>
    public int Experts { get; init; }

    /// <summary>num_experts_per_tok.</summary>
    public int ExpertsPerToken { get; init; } = 2;

    public int MoeIntermediate { get; init; } = 32;

    /// <summary>Qwen2-MoE's shared expert width (Qwen3-MoE has none).</summary>
    public int SharedExpertIntermediate { get; init; } = 48;

    public bool NormTopKProb { get; init; }

    public int DecoderSparseStep { get; init; } = 1;

    public IReadOnlyList<int> MlpOnlyLayers { get; init; } = [];

    /// <summary>Experts saved as newer transformers do: <c>mlp.experts.gate_up_proj</c> and <c>mlp.experts.down_proj</c> per layer.</summary>
    public bool FusedExperts { get; init; }

    /// <summary>The config this checkpoint will have.</summary>
    public QwenConfig ToConfig()
    {
        var headDim = HeadDim ?? (Hidden % Heads == 0 ? Hidden / Heads : throw new ArgumentException("Hidden must be a multiple of Heads when HeadDim is not given"));
        if (Layers <= 0 || Hidden <= 0 || Heads <= 0 || KvHeads <= 0 || Intermediate <= 0 || Vocab <= 0 || headDim <= 0 || headDim % 2 != 0)
        {
            throw new ArgumentException("sizes must be positive and the head dimension even");
        }

        if (Heads % KvHeads != 0)
        {
            throw new ArgumentException($"Heads ({Heads}) must be a multiple of KvHeads ({KvHeads})");
        }

        var sliding = Enumerable.Range(0, Layers).Select(i => SlidingWindow is not null && i >= MaxWindowLayers).ToArray();
        return new QwenConfig(
            Architecture,
            Hidden,
            Intermediate,
            Layers,
            Heads,
            KvHeads,
            headDim,
            Vocab,
            RmsNormEps,
            RopeTheta,
            RopeScaling,
            MaxPositions,
            Tied,
            Architecture == QwenArchitecture.Qwen2 || AttentionBias,
            sliding,
            sliding.Contains(true) ? SlidingWindow : null,
            BosTokenId,
            EosTokenId)
        {
            Moe = Experts <= 0 ? null : new QwenMoeConfig(
                Experts,
                ExpertsPerToken is > 0 and var k && k <= Experts ? k : throw new ArgumentException($"ExpertsPerToken must be between 1 and Experts ({Experts})"),
                MoeIntermediate > 0 ? MoeIntermediate : throw new ArgumentException("MoeIntermediate must be positive"),
                Architecture == QwenArchitecture.Qwen2 ? SharedExpertIntermediate : 0,
                NormTopKProb,
                DecoderSparseStep > 0 ? DecoderSparseStep : throw new ArgumentException("DecoderSparseStep must be positive"),
                [.. MlpOnlyLayers]),
        };
    }
}
