using QwenRag.Generation.Checkpoints;

namespace QwenRag.Generation.Tests;

public sealed class ConfigParsingTests
{
    private const string Qwen25_05BInstruct = """
        {
          "architectures": ["Qwen2ForCausalLM"],
          "attention_dropout": 0.0,
          "bos_token_id": 151643,
          "eos_token_id": 151645,
          "hidden_act": "silu",
          "hidden_size": 896,
          "initializer_range": 0.02,
          "intermediate_size": 4864,
          "max_position_embeddings": 32768,
          "max_window_layers": 21,
          "model_type": "qwen2",
          "num_attention_heads": 14,
          "num_hidden_layers": 24,
          "num_key_value_heads": 2,
          "rms_norm_eps": 1e-06,
          "rope_theta": 1000000.0,
          "sliding_window": 32768,
          "tie_word_embeddings": true,
          "torch_dtype": "bfloat16",
          "transformers_version": "4.43.1",
          "use_cache": true,
          "use_sliding_window": false,
          "vocab_size": 151936
        }
        """;

    private const string Qwen25_7BInstruct1M = """
        {
          "architectures": ["Qwen2ForCausalLM"],
          "attention_dropout": 0.0,
          "bos_token_id": 151643,
          "eos_token_id": 151645,
          "hidden_act": "silu",
          "hidden_size": 3584,
          "initializer_range": 0.02,
          "intermediate_size": 18944,
          "max_position_embeddings": 1010000,
          "max_window_layers": 28,
          "model_type": "qwen2",
          "num_attention_heads": 28,
          "num_hidden_layers": 28,
          "num_key_value_heads": 4,
          "rms_norm_eps": 1e-05,
          "rope_theta": 10000000.0,
          "sliding_window": 32768,
          "tie_word_embeddings": false,
          "torch_dtype": "bfloat16",
          "transformers_version": "4.43.1",
          "use_cache": true,
          "use_sliding_window": false,
          "vocab_size": 152064,
          "dual_chunk_attention_config": {
            "chunk_size": 262144,
            "local_size": 8192,
            "original_max_position_embeddings": 262144
          }
        }
        """;

    private const string Qwen3_06B = """
        {
          "architectures": ["Qwen3ForCausalLM"],
          "attention_bias": false,
          "attention_dropout": 0.0,
          "bos_token_id": 151643,
          "eos_token_id": 151645,
          "head_dim": 128,
          "hidden_act": "silu",
          "hidden_size": 1024,
          "initializer_range": 0.02,
          "intermediate_size": 3072,
          "max_position_embeddings": 40960,
          "max_window_layers": 28,
          "model_type": "qwen3",
          "num_attention_heads": 16,
          "num_hidden_layers": 28,
          "num_key_value_heads": 8,
          "rms_norm_eps": 1e-06,
          "rope_scaling": null,
          "rope_theta": 1000000,
          "sliding_window": null,
          "tie_word_embeddings": true,
          "torch_dtype": "bfloat16",
          "transformers_version": "4.51.0",
          "use_cache": true,
          "use_sliding_window": false,
          "vocab_size": 151936
        }
        """;

    [Fact]
    public void Parse_Qwen25_05BInstruct_ReadsSizesTiedEmbeddingsAndBias()
    {
        var config = QwenConfig.Parse(Qwen25_05BInstruct);

        Assert.Equal(QwenArchitecture.Qwen2, config.Architecture);
        Assert.Equal(896, config.HiddenSize);
        Assert.Equal(4864, config.IntermediateSize);
        Assert.Equal(24, config.NumLayers);
        Assert.Equal(14, config.NumHeads);
        Assert.Equal(2, config.NumKvHeads);
        Assert.Equal(64, config.HeadDim);
        Assert.Equal(151936, config.VocabSize);
        Assert.Equal(1e-6, config.RmsNormEps);
        Assert.Equal(1_000_000.0, config.RopeTheta);
        Assert.Equal(RopeScaling.None, config.RopeScaling);
        Assert.Equal(32768, config.MaxPositionEmbeddings);
        Assert.True(config.TieWordEmbeddings);
        Assert.True(config.AttentionBias);
        Assert.Equal(151643, config.BosTokenId);
        Assert.Equal(151645, config.EosTokenId);
        Assert.Equal(7, config.KvGroupSize);
    }

    [Fact]
    public void Parse_Qwen25_7BInstruct1MWithSlidingWindowDisabled_HasNoSlidingLayers()
    {
        var config = QwenConfig.Parse(Qwen25_7BInstruct1M);

        Assert.Equal(3584, config.HiddenSize);
        Assert.Equal(128, config.HeadDim);
        Assert.Equal(4, config.NumKvHeads);
        Assert.Equal(1_010_000, config.MaxPositionEmbeddings);
        Assert.Equal(10_000_000.0, config.RopeTheta);
        Assert.Equal(1e-5, config.RmsNormEps);
        Assert.False(config.TieWordEmbeddings);
        Assert.Equal(28, config.SlidingLayers.Count);
        Assert.All(config.SlidingLayers, Assert.False);
        Assert.Null(config.SlidingWindow);
    }

    [Fact]
    public void Parse_Qwen3_06B_UsesExplicitHeadDimLargerThanHiddenOverHeads()
    {
        var config = QwenConfig.Parse(Qwen3_06B);

        Assert.Equal(QwenArchitecture.Qwen3, config.Architecture);
        Assert.Equal(1024, config.HiddenSize);
        Assert.Equal(16, config.NumHeads);
        Assert.Equal(8, config.NumKvHeads);
        Assert.Equal(128, config.HeadDim);
        Assert.Equal(40960, config.MaxPositionEmbeddings);
        Assert.False(config.AttentionBias);
        Assert.True(config.TieWordEmbeddings);
        Assert.Equal(RopeScaling.None, config.RopeScaling);
        Assert.Null(config.SlidingWindow);
    }

    [Fact]
    public void Parse_YarnRopeScalingWithLegacyTypeKey_ReadsFactorAndOriginalLength()
    {
        var json = Qwen3_06B.Replace("\"rope_scaling\": null", "\"rope_scaling\": {\"type\": \"yarn\", \"factor\": 4.0, \"original_max_position_embeddings\": 32768}");

        var scaling = QwenConfig.Parse(json).RopeScaling;

        Assert.Equal(new RopeScaling(RopeType.Yarn, 4.0, 32768, null, null, null, null, null, true), scaling);
    }

    [Fact]
    public void Parse_YarnWithAllOptionalFields_KeepsThem()
    {
        var json = Qwen3_06B.Replace("\"rope_scaling\": null", """
            "rope_scaling": {"rope_type": "yarn", "factor": 8, "original_max_position_embeddings": 4096,
              "beta_fast": 16, "beta_slow": 2, "attention_factor": 1.2, "mscale": 0.7, "mscale_all_dim": 0.5, "truncate": false}
            """);

        var scaling = QwenConfig.Parse(json).RopeScaling;

        Assert.Equal(new RopeScaling(RopeType.Yarn, 8, 4096, 16, 2, 1.2, 0.7, 0.5, false), scaling);
    }

    [Theory]
    [InlineData("linear", RopeType.Linear)]
    [InlineData("dynamic", RopeType.Dynamic)]
    public void Parse_LinearAndDynamicRopeScaling_ReadsTypeAndFactor(string name, RopeType type)
    {
        var json = Qwen3_06B.Replace("\"rope_scaling\": null", $$"""
            "rope_scaling": {"rope_type": "{{name}}", "factor": 2.5}
            """);

        var scaling = QwenConfig.Parse(json).RopeScaling;

        Assert.Equal(type, scaling.Type);
        Assert.Equal(2.5, scaling.Factor);
    }

    [Fact]
    public void Parse_RopeParametersWithThetaInside_ReadsThetaAndScaling()
    {
        var json = Qwen3_06B
            .Replace("\"rope_theta\": 1000000,", "")
            .Replace("\"rope_scaling\": null", """
                "rope_parameters": {"rope_type": "yarn", "rope_theta": 5000000.0, "factor": 2.0, "original_max_position_embeddings": 20480}
                """);

        var config = QwenConfig.Parse(json);

        Assert.Equal(5_000_000.0, config.RopeTheta);
        Assert.Equal(new RopeScaling(RopeType.Yarn, 2.0, 20480, null, null, null, null, null, true), config.RopeScaling);
    }

    [Fact]
    public void Parse_RopeParametersDefaultType_IsNoScaling()
    {
        var json = Qwen3_06B
            .Replace("\"rope_theta\": 1000000,", "")
            .Replace("\"rope_scaling\": null", "\"rope_parameters\": {\"rope_type\": \"default\", \"rope_theta\": 1000000.0}");

        var config = QwenConfig.Parse(json);

        Assert.Equal(1_000_000.0, config.RopeTheta);
        Assert.Equal(RopeScaling.None, config.RopeScaling);
    }

    [Fact]
    public void Parse_NoRopeThetaAnywhere_DefaultsTo10000()
    {
        var json = Qwen3_06B.Replace("\"rope_theta\": 1000000,", "");

        Assert.Equal(10000.0, QwenConfig.Parse(json).RopeTheta);
    }

    [Fact]
    public void Parse_UnsupportedRopeType_ThrowsNamingIt()
    {
        var json = Qwen3_06B.Replace("\"rope_scaling\": null", "\"rope_scaling\": {\"rope_type\": \"longrope\", \"factor\": 4.0}");

        var error = Assert.Throws<CheckpointException>(() => QwenConfig.Parse(json));

        Assert.Contains("longrope", error.Message);
    }

    [Fact]
    public void Parse_YarnWithoutFactor_ThrowsNamingFactor()
    {
        var json = Qwen3_06B.Replace("\"rope_scaling\": null", "\"rope_scaling\": {\"type\": \"yarn\"}");

        var error = Assert.Throws<CheckpointException>(() => QwenConfig.Parse(json));

        Assert.Contains("factor", error.Message);
    }

    [Fact]
    public void Parse_LayerTypesWithSlidingEnabled_MarksThoseLayers()
    {
        var json = SmallQwen2(layers: 4, """
            "use_sliding_window": true, "sliding_window": 4096,
            "layer_types": ["full_attention", "sliding_attention", "full_attention", "sliding_attention"],
            """);

        var config = QwenConfig.Parse(json);

        Assert.Equal([false, true, false, true], config.SlidingLayers);
        Assert.True(config.IsSliding(3));
        Assert.Equal(4096, config.SlidingWindow);
    }

    [Fact]
    public void Parse_UseSlidingWindowWithMaxWindowLayers_SlidesFromThatLayerOn()
    {
        var json = SmallQwen2(layers: 4, "\"use_sliding_window\": true, \"sliding_window\": 1024, \"max_window_layers\": 2,");

        var config = QwenConfig.Parse(json);

        Assert.Equal([false, false, true, true], config.SlidingLayers);
        Assert.Equal(1024, config.SlidingWindow);
    }

    [Fact]
    public void Parse_SlidingWindowWithoutUseSlidingWindow_AttendsFully()
    {
        var json = SmallQwen2(layers: 4, """
            "sliding_window": 1024, "max_window_layers": 0,
            "layer_types": ["sliding_attention", "sliding_attention", "sliding_attention", "sliding_attention"],
            """);

        var config = QwenConfig.Parse(json);

        Assert.All(config.SlidingLayers, Assert.False);
        Assert.Null(config.SlidingWindow);
    }

    [Fact]
    public void Parse_LayerTypesOfWrongLength_ThrowsNamingLayerTypes()
    {
        var json = SmallQwen2(layers: 4, "\"layer_types\": [\"full_attention\"],");

        var error = Assert.Throws<CheckpointException>(() => QwenConfig.Parse(json));

        Assert.Contains("layer_types", error.Message);
    }

    [Fact]
    public void Parse_Qwen2WithoutHeadDimOrKvHeads_DerivesHeadDimAndUsesAllHeads()
    {
        var config = QwenConfig.Parse(SmallQwen2(layers: 2, ""));

        Assert.Equal(16, config.HeadDim);
        Assert.Equal(4, config.NumKvHeads);
        Assert.Equal(1e-6, config.RmsNormEps);
        Assert.False(config.TieWordEmbeddings);
        Assert.Equal(32768, config.MaxPositionEmbeddings);
        Assert.Null(config.BosTokenId);
    }

    [Fact]
    public void Parse_Qwen3WithoutHeadDim_UsesQwen3ConfigDefaultOf128()
    {
        var json = Qwen3_06B.Replace("\"head_dim\": 128,", "");

        Assert.Equal(128, QwenConfig.Parse(json).HeadDim);
    }

    [Fact]
    public void Parse_Qwen3WithAttentionBias_HasBias()
    {
        var json = Qwen3_06B.Replace("\"attention_bias\": false", "\"attention_bias\": true");

        Assert.True(QwenConfig.Parse(json).AttentionBias);
    }

    [Fact]
    public void Parse_EosTokenList_TakesTheFirst()
    {
        var json = Qwen3_06B.Replace("\"eos_token_id\": 151645", "\"eos_token_id\": [151645, 151643]");

        Assert.Equal(151645, QwenConfig.Parse(json).EosTokenId);
    }

    [Theory]
    [InlineData("LlamaForCausalLM")]
    [InlineData("Qwen3NextForCausalLM")]
    public void Parse_UnknownArchitecture_ThrowsNamingIt(string architecture)
    {
        var json = Qwen3_06B.Replace("Qwen3ForCausalLM", architecture);

        var error = Assert.Throws<CheckpointException>(() => QwenConfig.Parse(json));

        Assert.Contains(architecture, error.Message);
    }

    [Fact]
    public void Parse_MissingHiddenSize_ThrowsNamingKey()
    {
        var json = Qwen3_06B.Replace("\"hidden_size\": 1024,", "");

        var error = Assert.Throws<CheckpointException>(() => QwenConfig.Parse(json));

        Assert.Contains("hidden_size", error.Message);
    }

    [Fact]
    public void Parse_HeadsNotMultipleOfKvHeads_Throws()
    {
        var json = Qwen3_06B.Replace("\"num_key_value_heads\": 8", "\"num_key_value_heads\": 5");

        var error = Assert.Throws<CheckpointException>(() => QwenConfig.Parse(json));

        Assert.Contains("num_key_value_heads", error.Message);
    }

    [Fact]
    public void Parse_InvalidJson_ThrowsCheckpointException()
    {
        var error = Assert.Throws<CheckpointException>(() => QwenConfig.Parse("{ \"architectures\": "));

        Assert.Contains("config.json", error.Message);
    }

    [Fact]
    public void Load_MissingFile_ThrowsNamingConfigJson()
    {
        using var folder = new CheckpointTestFolder();

        var error = Assert.Throws<CheckpointException>(() => QwenConfig.Load(folder.File("config.json")));

        Assert.Contains("config.json", error.Message);
    }

    public static TheoryData<string> RealWorldConfigs => new() { Qwen25_05BInstruct, Qwen25_7BInstruct1M, Qwen3_06B };

    [Theory]
    [MemberData(nameof(RealWorldConfigs))]
    public void ToJson_RealWorldConfig_ParsesBackEqual(string json)
    {
        var config = QwenConfig.Parse(json);

        AssertSameConfig(config, QwenConfig.Parse(config.ToJson()));
    }

    [Fact]
    public void ToJson_YarnAndSlidingLayers_ParsesBackEqual()
    {
        var config = QwenConfig.Parse(Qwen3_06B) with
        {
            RopeScaling = new RopeScaling(RopeType.Yarn, 4.0, 32768, 32, 1, null, null, null, false),
            SlidingLayers = Enumerable.Range(0, 28).Select(i => i % 3 == 2).ToArray(),
            SlidingWindow = 512,
            AttentionBias = true,
            EosTokenId = null,
        };

        AssertSameConfig(config, QwenConfig.Parse(config.ToJson()));
    }

    internal static void AssertSameConfig(QwenConfig expected, QwenConfig actual)
    {
        Assert.Equal(expected.SlidingLayers, actual.SlidingLayers);
        Assert.Equal(expected with { SlidingLayers = actual.SlidingLayers }, actual);
    }

    private static string SmallQwen2(int layers, string extra) => $$"""
        {
          "architectures": ["Qwen2ForCausalLM"],
          {{extra}}
          "hidden_size": 64,
          "intermediate_size": 128,
          "num_hidden_layers": {{layers}},
          "num_attention_heads": 4,
          "vocab_size": 256
        }
        """;
}
