namespace QwenRag.Generation.Onnx;

/// <summary>Numeric format of the weights and activations in a built Qwen ONNX model.</summary>
public enum OnnxPrecision
{
    /// <summary>float32 weights and activations: matches the Hugging Face reference to about 1e-5.</summary>
    Fp32,

    /// <summary>float16 weights, activations and KV cache; logits are cast to float32.</summary>
    Fp16,

    /// <summary>
    /// Projection and lm_head weights as 4-bit blocks (MatMulNBits, block 32, asymmetric, int8 activations inside it);
    /// the embedding and everything else float32.
    /// </summary>
    Int4,
}
