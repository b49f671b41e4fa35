namespace QwenRag.Generation.Onnx;

/// <summary>
/// Symmetric per-block 4-bit quantization in com.microsoft QMoE's layout: w ≈ (q − 8)·scale with q in 0..15, one float
/// scale per block of a row (no zero points: QMoE's CPU kernel assumes 8), two values a byte, low nibble first.
/// </summary>
internal static class Int4SymmetricQuantizer
{
    /// <summary>Quantizes a [n, k] row-major weight into <paramref name="packed"/> (n·k/2 bytes) and <paramref name="scales"/> (n·k/blockSize).</summary>
    public static void Quantize(ReadOnlySpan<float> weight, int n, int k, int blockSize, Span<byte> packed, Span<float> scales)
    {
        var blocks = k / blockSize;
        packed.Clear();
        for (var row = 0; row < n; row++)
        {
            for (var b = 0; b < blocks; b++)
            {
                var block = weight.Slice((row * k) + (b * blockSize), blockSize);
                float max = 0;
                foreach (var value in block)
                {
                    max = Math.Max(max, Math.Abs(value));
                }

                // ±max maps to ±7, so the largest weight of a block is exact and none clips.
                var scale = max / 7f;
                scales[(row * blocks) + b] = scale;
                var inverse = scale == 0 ? 0 : 1f / scale;
                for (var i = 0; i < blockSize; i++)
                {
                    var q = (int)Math.Clamp(MathF.Round(block[i] * inverse) + 8, 0, 15);
                    var index = (row * k) + (b * blockSize) + i;
                    packed[index / 2] |= (byte)(index % 2 == 0 ? q : q << 4);
                }
            }
        }
    }
}
