using QwenRag.Generation.Checkpoints;
using QwenRag.Generation.Onnx;

namespace QwenRag.Generation.Tests;

/// <summary>The weights int4 graphs actually multiply by, for references on dequantized weights.</summary>
internal static class Int4Reference
{
    /// <summary>The projections an int4 build quantizes with MatMulNBits (the MoE router stays full precision).</summary>
    private static readonly string[] Projections =
        ["self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj", "self_attn.o_proj", "mlp.gate_proj", "mlp.up_proj", "mlp.down_proj",
         "mlp.shared_expert.gate_proj", "mlp.shared_expert.up_proj", "mlp.shared_expert.down_proj", "mlp.shared_expert_gate"];

    /// <summary>
    /// The checkpoint's tensors as an int4 graph multiplies by them, for <see cref="Reference.QwenReference"/>: the head
    /// (a tied one a copy of the embedding) and the layers' projections as MatMulNBits holds them, routed experts as
    /// QMoE does, everything else (embedding, norms, biases, router) as stored. Null for a tensor the checkpoint lacks.
    /// </summary>
    public static Func<string, float[]?> Weights(SafetensorsCheckpoint checkpoint)
    {
        var config = checkpoint.Config;
        return name =>
        {
            if (name == "lm_head.weight")
            {
                var head = checkpoint.ReadFloat32(config.TieWordEmbeddings ? "model.embed_tokens.weight" : name);
                return DequantizeAsymmetric(head, config.VocabSize, config.HiddenSize);
            }

            if (!checkpoint.Contains(name))
            {
                return null;
            }

            var weight = checkpoint.ReadFloat32(name);
            if (name.Contains(".mlp.experts.", StringComparison.Ordinal))
            {
                var columns = name.EndsWith("down_proj.weight", StringComparison.Ordinal) ? config.Moe!.MoeIntermediateSize : config.HiddenSize;
                return DequantizeSymmetric(weight, weight.Length / columns, columns);
            }

            if (!name.StartsWith("model.layers.", StringComparison.Ordinal) || !Projections.Any(p => name.EndsWith(p + ".weight", StringComparison.Ordinal)))
            {
                return weight;
            }

            var k = name.EndsWith("shared_expert.down_proj.weight", StringComparison.Ordinal) ? config.Moe!.SharedExpertIntermediateSize
                : name.Contains("down_proj", StringComparison.Ordinal) ? config.IntermediateSize
                : name.Contains("o_proj", StringComparison.Ordinal) ? config.NumHeads * config.HeadDim
                : config.HiddenSize;
            return DequantizeAsymmetric(weight, weight.Length / k, k);
        };
    }

    /// <summary>MatMulNBits' asymmetric blocks (Int4Quantizer).</summary>
    public static float[] DequantizeAsymmetric(float[] weight, int n, int k)
    {
        const int size = QwenOnnxBuilder.Int4BlockSize;
        var q = Int4Quantizer.Quantize(weight, n, k, size);
        var result = new float[weight.Length];
        var blocks = q.BlocksPerRow;
        for (var row = 0; row < n; row++)
        {
            for (var col = 0; col < k; col++)
            {
                var block = col / size;
                var zpByte = q.ZeroPoints[(row * ((blocks + 1) / 2)) + (block / 2)];
                var zero = block % 2 == 0 ? zpByte & 0xF : zpByte >> 4;
                var inBlock = col % size;
                var packed = q.Packed[(row * blocks * (size / 2)) + (block * (size / 2)) + (inBlock / 2)];
                var value = inBlock % 2 == 0 ? packed & 0xF : packed >> 4;
                result[(row * k) + col] = (value - zero) * q.Scales[(row * blocks) + block];
            }
        }

        return result;
    }

    /// <summary>QMoE's symmetric blocks (Int4SymmetricQuantizer): (q − 8)·scale.</summary>
    public static float[] DequantizeSymmetric(float[] weight, int n, int k)
    {
        const int size = MoeEmitter.Int4BlockSize;
        var packed = new byte[weight.Length / 2];
        var scales = new float[n * (k / size)];
        Int4SymmetricQuantizer.Quantize(weight, n, k, size, packed, scales);
        var result = new float[weight.Length];
        for (var i = 0; i < weight.Length; i++)
        {
            var q = i % 2 == 0 ? packed[i / 2] & 0xF : packed[i / 2] >> 4;
            result[i] = (q - 8) * scales[((i / k) * (k / size)) + (i % k / size)];
        }

        return result;
    }
}
