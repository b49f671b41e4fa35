using QwenRag.Generation.Checkpoints;

namespace QwenRag.Generation.Tests;

public sealed class TinyCheckpointTests
{
    [Theory]
    [InlineData(QwenArchitecture.Qwen2, false)]
    [InlineData(QwenArchitecture.Qwen2, true)]
    [InlineData(QwenArchitecture.Qwen3, false)]
    [InlineData(QwenArchitecture.Qwen3, true)]
    public void Write_EachArchitectureTiedAndUntied_ValidatesWithMatchingConfig(QwenArchitecture architecture, bool tied)
    {
        using var folder = new CheckpointTestFolder();
        var options = new TinyCheckpointOptions { Architecture = architecture, Tied = tied };

        TinyCheckpoint.Write(folder.Path, options);
        using var checkpoint = SafetensorsCheckpoint.Open(folder.Path);

        checkpoint.Validate();
        ConfigParsingTests.AssertSameConfig(options.ToConfig(), checkpoint.Config);
        Assert.Equal(!tied, checkpoint.Contains("lm_head.weight"));
        Assert.Equal(architecture == QwenArchitecture.Qwen3, checkpoint.Contains("model.layers.1.self_attn.q_norm.weight"));
        Assert.Equal(architecture == QwenArchitecture.Qwen2, checkpoint.Contains("model.layers.1.self_attn.q_proj.bias"));
        Assert.False(checkpoint.Contains("model.layers.1.self_attn.o_proj.bias"));
        Assert.Equal([32L, 64L], checkpoint.Info("model.layers.1.self_attn.v_proj.weight").Shape);
    }

    [Fact]
    public void Write_TiedCheckpointThatAlsoCarriesLmHead_StillValidates()
    {
        using var folder = new CheckpointTestFolder();
        TinyCheckpoint.Write(folder.Path, new TinyCheckpointOptions { Tied = true });
        List<(string Name, int[] Shape, float[] Data)> tensors;
        using (var original = SafetensorsCheckpoint.Open(folder.Path))
        {
            tensors = original.TensorNames.Select(n => (n, original.Info(n).Shape.Select(d => (int)d).ToArray(), original.ReadFloat32(n))).ToList();
        }

        var embeddings = tensors.Single(t => t.Name == "model.embed_tokens.weight");
        SafetensorsWriter.Write(folder.File("model.safetensors"), [.. tensors, ("lm_head.weight", embeddings.Shape, embeddings.Data)]);
        using var checkpoint = SafetensorsCheckpoint.Open(folder.Path);

        checkpoint.Validate();
    }

    [Fact]
    public void Write_Qwen3WithAttentionBiasAndExplicitHeadDim_HasAllFourBiasesAndWiderHeads()
    {
        using var folder = new CheckpointTestFolder();
        var options = new TinyCheckpointOptions { Architecture = QwenArchitecture.Qwen3, AttentionBias = true, HeadDim = 32 };

        TinyCheckpoint.Write(folder.Path, options);
        using var checkpoint = SafetensorsCheckpoint.Open(folder.Path);

        checkpoint.Validate();
        Assert.Equal(32, checkpoint.Config.HeadDim);
        Assert.Equal([128L, 64L], checkpoint.Info("model.layers.0.self_attn.q_proj.weight").Shape);
        Assert.Equal([64L, 128L], checkpoint.Info("model.layers.0.self_attn.o_proj.weight").Shape);
        Assert.Equal([32L], checkpoint.Info("model.layers.0.self_attn.k_norm.weight").Shape);
        Assert.Equal([64L], checkpoint.Info("model.layers.0.self_attn.o_proj.bias").Shape);
    }

    [Fact]
    public void Write_SlidingWindowAndYarn_ConfigRoundTripsThroughConfigJson()
    {
        using var folder = new CheckpointTestFolder();
        var options = new TinyCheckpointOptions
        {
            Layers = 3,
            SlidingWindow = 16,
            MaxWindowLayers = 1,
            RopeScaling = new RopeScaling(RopeType.Yarn, 4, 128, null, null, null, null, null, true),
            RopeTheta = 1e6,
            EosTokenId = 255,
        };

        TinyCheckpoint.Write(folder.Path, options);
        using var checkpoint = SafetensorsCheckpoint.Open(folder.Path);

        Assert.Equal([false, true, true], checkpoint.Config.SlidingLayers);
        Assert.Equal(16, checkpoint.Config.SlidingWindow);
        Assert.Equal(RopeType.Yarn, checkpoint.Config.RopeScaling.Type);
        Assert.Equal(1e6, checkpoint.Config.RopeTheta);
        Assert.Equal(255, checkpoint.Config.EosTokenId);
    }

    [Fact]
    public void Write_DefaultScale_NormsNearOneWeightsSmall()
    {
        using var folder = new CheckpointTestFolder();
        TinyCheckpoint.Write(folder.Path, new TinyCheckpointOptions());
        using var checkpoint = SafetensorsCheckpoint.Open(folder.Path);

        var norm = checkpoint.ReadFloat32("model.layers.0.input_layernorm.weight");
        var weights = checkpoint.ReadFloat32("model.layers.0.mlp.gate_proj.weight");
        var bias = checkpoint.ReadFloat32("model.layers.0.self_attn.q_proj.bias");

        Assert.InRange(norm.Average(), 0.97, 1.03);
        Assert.All(norm, v => Assert.InRange(v, 0.7f, 1.3f));
        Assert.InRange(weights.Average(), -0.01, 0.01);
        Assert.InRange(Math.Sqrt(weights.Average(v => v * v)), 0.04, 0.06);
        Assert.All(bias, v => Assert.InRange(v, -0.3f, 0.3f));
    }

    [Fact]
    public void Write_SameSeedTwice_IdenticalFiles_DifferentSeed_DifferentWeights()
    {
        using var a = new CheckpointTestFolder();
        using var b = new CheckpointTestFolder();
        using var c = new CheckpointTestFolder();
        TinyCheckpoint.Write(a.Path, new TinyCheckpointOptions { Seed = 7 });
        TinyCheckpoint.Write(b.Path, new TinyCheckpointOptions { Seed = 7 });
        TinyCheckpoint.Write(c.Path, new TinyCheckpointOptions { Seed = 8 });

        Assert.Equal(File.ReadAllBytes(a.File("model.safetensors")), File.ReadAllBytes(b.File("model.safetensors")));
        Assert.NotEqual(File.ReadAllBytes(a.File("model.safetensors")), File.ReadAllBytes(c.File("model.safetensors")));
    }

    [Theory]
    [InlineData(TensorDtype.F16)]
    [InlineData(TensorDtype.BF16)]
    public void Write_HalfPrecisionDtype_ValidatesAndHoldsTheF32ValuesRounded(TensorDtype dtype)
    {
        using var f32 = new CheckpointTestFolder();
        using var half = new CheckpointTestFolder();
        TinyCheckpoint.Write(f32.Path, new TinyCheckpointOptions { Architecture = QwenArchitecture.Qwen3 });
        TinyCheckpoint.Write(half.Path, new TinyCheckpointOptions { Architecture = QwenArchitecture.Qwen3, Dtype = dtype });
        using var exact = SafetensorsCheckpoint.Open(f32.Path);
        using var rounded = SafetensorsCheckpoint.Open(half.Path);

        rounded.Validate();
        Assert.Equal(dtype, rounded.Info("model.embed_tokens.weight").Dtype);
        Assert.Equal(
            exact.ReadFloat32("model.embed_tokens.weight").Select(v => CheckpointRoundTripTests.Rounded(v, dtype)),
            rounded.ReadFloat32("model.embed_tokens.weight"));
    }

    [Fact]
    public void Write_HeadsNotMultipleOfKvHeads_ThrowsArgumentException()
    {
        using var folder = new CheckpointTestFolder();

        Assert.Throws<ArgumentException>(() => TinyCheckpoint.Write(folder.Path, new TinyCheckpointOptions { Heads = 4, KvHeads = 3 }));
    }
}
