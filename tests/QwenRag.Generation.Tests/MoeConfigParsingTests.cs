using QwenRag.Generation.Checkpoints;

namespace QwenRag.Generation.Tests;

public sealed class MoeConfigParsingTests
{
    // Qwen/Qwen3-30B-A3B's config.json.
    private const string Qwen3_30B_A3B = """
        {
          "architectures": ["Qwen3MoeForCausalLM"],
          "attention_bias": false,
          "attention_dropout": 0.0,
          "bos_token_id": 151643,
          "decoder_sparse_step": 1,
          "eos_token_id": 151645,
          "head_dim": 128,
          "hidden_act": "silu",
          "hidden_size": 2048,
          "initializer_range": 0.02,
          "intermediate_size": 6144,
          "max_position_embeddings": 40960,
          "max_window_layers": 48,
          "mlp_only_layers": [],
          "model_type": "qwen3_moe",
          "moe_intermediate_size": 768,
          "norm_topk_prob": true,
          "num_attention_heads": 32,
          "num_experts": 128,
          "num_experts_per_tok": 8,
          "num_hidden_layers": 48,
          "num_key_value_heads": 4,
          "output_router_logits": false,
          "rms_norm_eps": 1e-06,
          "rope_scaling": null,
          "rope_theta": 1000000.0,
          "router_aux_loss_coef": 0.001,
          "sliding_window": null,
          "tie_word_embeddings": false,
          "torch_dtype": "bfloat16",
          "transformers_version": "4.51.0",
          "use_cache": true,
          "use_sliding_window": false,
          "vocab_size": 151936
        }
        """;

    // Qwen/Qwen1.5-MoE-A2.7B's config.json.
    private const string Qwen15_MoE_A27B = """
        {
          "architectures": ["Qwen2MoeForCausalLM"],
          "attention_dropout": 0.0,
          "bos_token_id": 151643,
          "eos_token_id": 151643,
          "hidden_act": "silu",
          "hidden_size": 2048,
          "initializer_range": 0.02,
          "intermediate_size": 5632,
          "max_position_embeddings": 8192,
          "max_window_layers": 21,
          "model_type": "qwen2_moe",
          "num_attention_heads": 16,
          "num_hidden_layers": 24,
          "num_key_value_heads": 16,
          "rms_norm_eps": 1e-06,
          "rope_theta": 1000000.0,
          "sliding_window": 32768,
          "tie_word_embeddings": false,
          "torch_dtype": "bfloat16",
          "transformers_version": "4.39.0.dev0",
          "use_cache": true,
          "use_sliding_window": false,
          "vocab_size": 151936,
          "decoder_sparse_step": 1,
          "moe_intermediate_size": 1408,
          "shared_expert_intermediate_size": 5632,
          "num_experts_per_tok": 4,
          "num_experts": 60,
          "norm_topk_prob": false,
          "output_router_logits": false,
          "router_aux_loss_coef": 0.001
        }
        """;

    [Fact]
    public void Parse_Qwen3_30B_A3B_ReadsExpertsAndQkNormFamily()
    {
        var config = QwenConfig.Parse(Qwen3_30B_A3B);

        Assert.Equal(QwenArchitecture.Qwen3, config.Architecture);
        Assert.False(config.AttentionBias);
        Assert.Equal(128, config.HeadDim);
        Assert.Equal(new QwenMoeConfig(128, 8, 768, 0, true, 1, []), config.Moe);
        Assert.All(Enumerable.Range(0, 48), layer => Assert.True(config.IsSparse(layer)));
    }

    [Fact]
    public void Parse_Qwen15_MoE_ReadsSharedExpertAndBias()
    {
        var config = QwenConfig.Parse(Qwen15_MoE_A27B);

        Assert.Equal(QwenArchitecture.Qwen2, config.Architecture);
        Assert.True(config.AttentionBias);
        Assert.Equal(128, config.HeadDim);
        Assert.Equal(5632, config.IntermediateSize);
        Assert.Equal(new QwenMoeConfig(60, 4, 1408, 5632, false, 1, []), config.Moe);
    }

    [Fact]
    public void Parse_Qwen3Moe_Defaults_AreTransformers()
    {
        var json = """{"architectures": ["Qwen3MoeForCausalLM"], "hidden_size": 256, "num_hidden_layers": 4, "num_attention_heads": 4, "vocab_size": 100}""";

        var config = QwenConfig.Parse(json);

        Assert.Equal(6144, config.IntermediateSize);
        Assert.Equal(64, config.HeadDim);
        Assert.Equal(new QwenMoeConfig(128, 8, 768, 0, false, 1, []), config.Moe);
    }

    [Fact]
    public void Parse_Qwen2Moe_Defaults_AreTransformers()
    {
        var json = """{"architectures": ["Qwen2MoeForCausalLM"], "hidden_size": 256, "num_hidden_layers": 4, "num_attention_heads": 4, "vocab_size": 100}""";

        var config = QwenConfig.Parse(json);

        Assert.Equal(22016, config.IntermediateSize);
        Assert.Equal(new QwenMoeConfig(60, 4, 1408, 5632, false, 1, []), config.Moe);
    }

    [Fact]
    public void Parse_SparseStepAndMlpOnlyLayers_MarkDenseLayers()
    {
        var json = Qwen3_30B_A3B.Replace("\"decoder_sparse_step\": 1", "\"decoder_sparse_step\": 2").Replace("\"mlp_only_layers\": []", "\"mlp_only_layers\": [3, 5]");

        var config = QwenConfig.Parse(json);

        Assert.Equal([false, true, false, false, false, false, false, true], Enumerable.Range(0, 8).Select(config.IsSparse));
    }

    [Theory]
    [InlineData(Qwen3_30B_A3B)]
    [InlineData(Qwen15_MoE_A27B)]
    public void ToJson_MoeConfig_ParsesBackEqual(string json)
    {
        var config = QwenConfig.Parse(json);
        var changed = config with { Moe = config.Moe! with { MlpOnlyLayers = [0, 2], DecoderSparseStep = 3 } };

        ConfigParsingTests.AssertSameConfig(config, QwenConfig.Parse(config.ToJson()));
        ConfigParsingTests.AssertSameConfig(changed, QwenConfig.Parse(changed.ToJson()));
    }
}
