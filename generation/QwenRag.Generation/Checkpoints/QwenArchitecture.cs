namespace QwenRag.Generation.Checkpoints;

/// <summary>The model families the engine runs, from config.json's "architectures".</summary>
public enum QwenArchitecture
{
    /// <summary>Qwen2 and Qwen2.5 ("Qwen2ForCausalLM"): q/k/v projections carry biases.</summary>
    Qwen2,

    /// <summary>Qwen3 ("Qwen3ForCausalLM"): RMSNorm on each query and key head, biases only with "attention_bias".</summary>
    Qwen3,
}
