namespace QwenRag.Generation.Onnx;

/// <summary>What <see cref="QwenOnnxBuilder"/> builds from a checkpoint.</summary>
public enum QwenGraphKind
{
    /// <summary>The decoder with KV cache inputs and outputs and logits, for generation.</summary>
    CausalLm,

    /// <summary>
    /// The same layers in one pass without cache or head: input_ids and attention_mask (right padding) in,
    /// <see cref="QwenOnnxBuilder.HiddenStatesOutput"/> out. For embedding models and for rerankers that need a few
    /// logits only.
    /// </summary>
    HiddenStates,
}
