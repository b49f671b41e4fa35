namespace QwenRag.Generation.Onnx;

/// <summary>Packed 4-bit weights in com.microsoft MatMulNBits' layout.</summary>
internal sealed record Int4Weights(byte[] Packed, float[] Scales, byte[] ZeroPoints, int BlocksPerRow);

/// <summary>
/// Asymmetric per-block 4-bit quantization of a [N, K] weight (Hugging Face's [out, in] layout, which is
/// MatMulNBits' B layout): w ~ (q - zero_point) * scale, q and zero_point in 0..15, two values a byte, low nibble first.
/// </summary>
internal static class Int4Quantizer
{
    public static Int4Weights Quantize(ReadOnlySpan<float> weight, int n, int k, int blockSize)
    {
        var blocks = (k + blockSize - 1) / blockSize;
        var blob = blockSize / 2;
        var packed = new byte[(long)n * blocks * blob];
        var scales = new float[n * blocks];
        var zeroPoints = new byte[n * ((blocks + 1) / 2)];
        for (var row = 0; row < n; row++)
        {
            var w = weight.Slice(row * k, k);
            for (var b = 0; b < blocks; b++)
            {
                var start = b * blockSize;
                var end = Math.Min(start + blockSize, k);
                float min = 0, max = 0;
                for (var i = start; i < end; i++)
                {
                    min = Math.Min(min, w[i]);
                    max = Math.Max(max, w[i]);
                }

                var scale = (max - min) / 15f;
                var zero = scale == 0 ? 8 : (int)Math.Clamp(MathF.Round(-min / scale), 0, 15);
                scales[(row * blocks) + b] = scale;
                var zpIndex = (row * ((blocks + 1) / 2)) + (b / 2);
                zeroPoints[zpIndex] |= (byte)((b % 2 == 0) ? zero : zero << 4);
                var baseIndex = ((long)row * blocks * blob) + ((long)b * blob);
                for (var i = 0; i < blockSize; i++)
                {
                    var column = start + i;
                    var q = column < end && scale != 0 ? (int)Math.Clamp(MathF.Round(w[column] / scale) + zero, 0, 15) : zero;
                    packed[baseIndex + (i / 2)] |= (byte)((i % 2 == 0) ? q : q << 4);
                }
            }
        }

        return new Int4Weights(packed, scales, zeroPoints, blocks);
    }
}
