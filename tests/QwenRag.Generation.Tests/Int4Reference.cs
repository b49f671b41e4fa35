using QwenRag.Generation.Onnx;

namespace QwenRag.Generation.Tests;

/// <summary>The weights int4 graphs actually multiply by, for references on dequantized weights.</summary>
internal static class Int4Reference
{
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
