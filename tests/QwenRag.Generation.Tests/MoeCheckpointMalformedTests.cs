using QwenRag.Generation.Checkpoints;

namespace QwenRag.Generation.Tests;

/// <summary>MoE checkpoints whose experts do not match config.json fail with messages that name the tensor and the count.</summary>
public sealed class MoeCheckpointMalformedTests
{
    private static readonly TinyCheckpointOptions Options = new()
    {
        Architecture = QwenArchitecture.Qwen3,
        Layers = 2,
        Experts = 4,
        ExpertsPerToken = 2,
        MoeIntermediate = 32,
    };

    [Fact]
    public void Validate_MissingExpert_ThrowsNamingTheExpertTensor()
    {
        using var folder = CheckpointTestFolder.WithTinyCheckpoint(Options);
        folder.RewriteTensors(tensors => tensors.Where(t => t.Name != "model.layers.1.mlp.experts.3.up_proj.weight"));
        using var checkpoint = SafetensorsCheckpoint.Open(folder.Path);

        var error = Assert.Throws<CheckpointException>(checkpoint.Validate);

        Assert.Contains("missing tensor 'model.layers.1.mlp.experts.3.up_proj.weight'", error.Message);
        Assert.Contains("[32, 64]", error.Message);
    }

    [Fact]
    public void Validate_MoreExpertsThanConfig_ThrowsNamingBothCounts()
    {
        using var folder = CheckpointTestFolder.WithTinyCheckpoint(Options);
        SetConfig(folder, "\"num_experts\": 4", "\"num_experts\": 3");
        using var checkpoint = SafetensorsCheckpoint.Open(folder.Path);

        var error = Assert.Throws<CheckpointException>(checkpoint.Validate);

        Assert.Contains("expert 3", error.Message);
        Assert.Contains("num_experts 3", error.Message);
    }

    [Fact]
    public void Validate_FewerExpertsThanConfig_ThrowsNamingTheRouterAndCounts()
    {
        using var folder = CheckpointTestFolder.WithTinyCheckpoint(Options);
        SetConfig(folder, "\"num_experts\": 4", "\"num_experts\": 6");
        using var checkpoint = SafetensorsCheckpoint.Open(folder.Path);

        var error = Assert.Throws<CheckpointException>(checkpoint.Validate);

        Assert.Contains("model.layers.0.mlp.gate.weight", error.Message);
        Assert.Contains("routes to 4 experts", error.Message);
        Assert.Contains("num_experts is 6", error.Message);
    }

    [Fact]
    public void Validate_WrongExpertShape_ThrowsNamingTensorAndShapes()
    {
        using var folder = CheckpointTestFolder.WithTinyCheckpoint(Options);
        folder.RewriteTensors(tensors => tensors.Select(t => t.Name == "model.layers.0.mlp.experts.1.down_proj.weight" ? (t.Name, new[] { 32, 64 }, t.Data) : t));
        using var checkpoint = SafetensorsCheckpoint.Open(folder.Path);

        var error = Assert.Throws<CheckpointException>(checkpoint.Validate);

        Assert.Contains("model.layers.0.mlp.experts.1.down_proj.weight", error.Message);
        Assert.Contains("[32, 64]", error.Message);
        Assert.Contains("[64, 32]", error.Message);
    }

    [Fact]
    public void Validate_FusedExpertsOfWrongCount_ThrowsNamingTheFusedTensor()
    {
        using var folder = CheckpointTestFolder.WithTinyCheckpoint(Options with { FusedExperts = true });
        folder.RewriteTensors(tensors => tensors.Select(t => t.Name == "model.layers.1.mlp.experts.gate_up_proj"
            ? (t.Name, new[] { 3, 64, 64 }, t.Data[..(3 * 64 * 64)]) : t));
        using var checkpoint = SafetensorsCheckpoint.Open(folder.Path);

        var error = Assert.Throws<CheckpointException>(checkpoint.Validate);

        Assert.Contains("model.layers.1.mlp.experts.gate_up_proj", error.Message);
        Assert.Contains("[3, 64, 64]", error.Message);
        Assert.Contains("[4, 64, 64]", error.Message);
    }

    [Fact]
    public void Validate_SharedExpertMissing_ThrowsNamingIt()
    {
        using var folder = CheckpointTestFolder.WithTinyCheckpoint(Options with { Architecture = QwenArchitecture.Qwen2 });
        folder.RewriteTensors(tensors => tensors.Where(t => t.Name != "model.layers.0.mlp.shared_expert_gate.weight"));
        using var checkpoint = SafetensorsCheckpoint.Open(folder.Path);

        var error = Assert.Throws<CheckpointException>(checkpoint.Validate);

        Assert.Contains("missing tensor 'model.layers.0.mlp.shared_expert_gate.weight'", error.Message);
    }

    [Theory]
    [InlineData("\"num_experts_per_tok\": 2", "\"num_experts_per_tok\": 5", "num_experts_per_tok")]
    [InlineData("\"decoder_sparse_step\": 1", "\"decoder_sparse_step\": 0", "decoder_sparse_step")]
    [InlineData("\"mlp_only_layers\": []", "\"mlp_only_layers\": [7]", "mlp_only_layers")]
    public void Open_BadMoeConfig_ThrowsNamingTheKey(string from, string to, string key)
    {
        using var folder = CheckpointTestFolder.WithTinyCheckpoint(Options);
        SetConfig(folder, from, to);

        var error = Assert.Throws<CheckpointException>(() => SafetensorsCheckpoint.Open(folder.Path));

        Assert.Contains(key, error.Message);
    }

    private static void SetConfig(CheckpointTestFolder folder, string from, string to)
    {
        var json = File.ReadAllText(folder.File("config.json"));
        Assert.Contains(from, json);
        File.WriteAllText(folder.File("config.json"), json.Replace(from, to));
    }
}
