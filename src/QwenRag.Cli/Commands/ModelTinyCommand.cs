using System.CommandLine;
using QwenRag.Generation.Checkpoints;

namespace QwenRag.Cli.Commands;

/// <summary><c>qwenrag model tiny</c>: a small random-weight Hugging Face Qwen checkpoint, for tests and benchmarks.</summary>
internal sealed class ModelTinyCommand : Command
{
    private readonly Option<string> _output = new("--out") { Description = "Folder to write the checkpoint to", Required = true };
    private readonly Option<string> _arch = new("--arch") { Description = "qwen2 or qwen3", DefaultValueFactory = _ => "qwen2" };
    private readonly Option<int> _layers = new("--layers") { Description = "Decoder layers", DefaultValueFactory = _ => 2 };
    private readonly Option<int> _hidden = new("--hidden") { Description = "Hidden size", DefaultValueFactory = _ => 64 };
    private readonly Option<int> _heads = new("--heads") { Description = "Attention heads", DefaultValueFactory = _ => 4 };
    private readonly Option<int> _kvHeads = new("--kv-heads") { Description = "Key/value heads", DefaultValueFactory = _ => 2 };
    private readonly Option<int?> _headDim = new("--head-dim") { Description = "Head size (default hidden / heads)" };
    private readonly Option<int> _intermediate = new("--intermediate") { Description = "MLP size", DefaultValueFactory = _ => 128 };
    private readonly Option<int> _vocab = new("--vocab") { Description = "Vocabulary size", DefaultValueFactory = _ => 256 };
    private readonly Option<string> _rope = new("--rope") { Description = "default, linear, dynamic or yarn", DefaultValueFactory = _ => "default" };
    private readonly Option<double> _factor = new("--rope-factor") { Description = "RoPE scaling factor", DefaultValueFactory = _ => 2.0 };
    private readonly Option<int?> _originalMax = new("--original-max-positions") { Description = "original_max_position_embeddings (YaRN)" };
    private readonly Option<int?> _maxPositions = new("--max-positions") { Description = "max_position_embeddings" };
    private readonly Option<int?> _window = new("--window") { Description = "Sliding window (enables sliding-window attention)" };
    private readonly Option<int?> _maxWindowLayers = new("--max-window-layers") { Description = "Layers from this index on use the sliding window" };
    private readonly Option<bool> _tied = new("--tied") { Description = "Tie lm_head to the embedding" };
    private readonly Option<bool> _baseModel = new("--base-model")
    {
        Description = "Save as a base model (Qwen3-Embedding style): tensor names without the model. prefix and no lm_head",
    };

    private readonly Option<int> _seed = new("--seed") { Description = "Random seed", DefaultValueFactory = _ => 1 };
    private readonly Option<string> _dtype = new("--dtype") { Description = "Stored weight type: f32, f16 or bf16", DefaultValueFactory = _ => "f32" };
    private readonly Option<int> _experts = new("--experts") { Description = "Experts per sparse layer: a Qwen2-MoE / Qwen3-MoE checkpoint (0: dense)" };
    private readonly Option<int> _expertsPerToken = new("--experts-per-token") { Description = "num_experts_per_tok", DefaultValueFactory = _ => 2 };
    private readonly Option<int> _moeIntermediate = new("--moe-intermediate") { Description = "moe_intermediate_size (one expert's MLP size)", DefaultValueFactory = _ => 32 };
    private readonly Option<int> _sharedExpert = new("--shared-expert-intermediate")
    {
        Description = "shared_expert_intermediate_size (qwen2 MoE only; Qwen3-MoE has no shared expert)",
        DefaultValueFactory = _ => 48,
    };

    private readonly Option<bool> _normTopK = new("--norm-topk-prob") { Description = "Renormalise the top-k routing weights" };
    private readonly Option<int> _sparseStep = new("--decoder-sparse-step") { Description = "Every n-th layer is sparse", DefaultValueFactory = _ => 1 };
    private readonly Option<string?> _mlpOnly = new("--mlp-only-layers") { Description = "Comma-separated layers that stay dense" };
    private readonly Option<bool> _fused = new("--fused-experts") { Description = "Save experts fused (mlp.experts.gate_up_proj / down_proj), as newer transformers do" };

    public ModelTinyCommand()
        : base("tiny", "Write a small random-weight Hugging Face Qwen checkpoint (safetensors + config.json)")
    {
        _arch.AcceptOnlyFromAmong("qwen2", "qwen3");
        _rope.AcceptOnlyFromAmong("default", "linear", "dynamic", "yarn");
        Options.Add(_output);
        Options.Add(_arch);
        Options.Add(_layers);
        Options.Add(_hidden);
        Options.Add(_heads);
        Options.Add(_kvHeads);
        Options.Add(_headDim);
        Options.Add(_intermediate);
        Options.Add(_vocab);
        Options.Add(_rope);
        Options.Add(_factor);
        Options.Add(_originalMax);
        Options.Add(_maxPositions);
        Options.Add(_window);
        Options.Add(_maxWindowLayers);
        Options.Add(_tied);
        Options.Add(_baseModel);
        Options.Add(_seed);
        _dtype.AcceptOnlyFromAmong("f32", "f16", "bf16");
        Options.Add(_dtype);
        Options.Add(_experts);
        Options.Add(_expertsPerToken);
        Options.Add(_moeIntermediate);
        Options.Add(_sharedExpert);
        Options.Add(_normTopK);
        Options.Add(_sparseStep);
        Options.Add(_mlpOnly);
        Options.Add(_fused);
        SetAction(Run);
    }

    private int Run(ParseResult parse)
    {
        var ropeType = parse.GetValue(_rope) switch
        {
            "linear" => RopeType.Linear,
            "dynamic" => RopeType.Dynamic,
            "yarn" => RopeType.Yarn,
            _ => RopeType.Default,
        };
        var scaling = ropeType == RopeType.Default
            ? RopeScaling.None
            : RopeScaling.None with { Type = ropeType, Factor = parse.GetValue(_factor), OriginalMaxPositionEmbeddings = parse.GetValue(_originalMax) };
        var options = new TinyCheckpointOptions
        {
            Architecture = parse.GetValue(_arch) == "qwen3" ? QwenArchitecture.Qwen3 : QwenArchitecture.Qwen2,
            Layers = parse.GetValue(_layers),
            Hidden = parse.GetValue(_hidden),
            Heads = parse.GetValue(_heads),
            KvHeads = parse.GetValue(_kvHeads),
            HeadDim = parse.GetValue(_headDim),
            Intermediate = parse.GetValue(_intermediate),
            Vocab = parse.GetValue(_vocab),
            RopeScaling = scaling,
            SlidingWindow = parse.GetValue(_window),
            MaxWindowLayers = parse.GetValue(_maxWindowLayers) ?? 0,
            Tied = parse.GetValue(_tied),
            Seed = parse.GetValue(_seed),
            BaseModel = parse.GetValue(_baseModel),
            Dtype = parse.GetValue(_dtype) switch { "f16" => TensorDtype.F16, "bf16" => TensorDtype.BF16, _ => TensorDtype.F32 },
            Experts = parse.GetValue(_experts),
            ExpertsPerToken = parse.GetValue(_expertsPerToken),
            MoeIntermediate = parse.GetValue(_moeIntermediate),
            SharedExpertIntermediate = parse.GetValue(_sharedExpert),
            NormTopKProb = parse.GetValue(_normTopK),
            DecoderSparseStep = parse.GetValue(_sparseStep),
            MlpOnlyLayers = parse.GetValue(_mlpOnly) is { } layers ? NumberList.Parse(layers, "--mlp-only-layers", 0) : [],
            FusedExperts = parse.GetValue(_fused),
        };
        if (parse.GetValue(_maxPositions) is int positions)
        {
            options = options with { MaxPositions = positions };
        }

        var directory = parse.GetValue(_output)!;
        TinyCheckpoint.Write(directory, options);
        Console.Error.WriteLine($"wrote {directory}");
        return 0;
    }
}
