namespace QwenRag.Generation.Tests;

public sealed class Int4SymmetricQuantizerTests
{
    [Fact]
    public void Quantize_RoundsEachBlockToItsScaleAndKeepsTheLargestExact()
    {
        const int n = 3, k = 64, block = 32;
        var random = new Random(4);
        var weight = Enumerable.Range(0, n * k).Select(_ => (float)((random.NextDouble() * 2) - 1)).ToArray();
        weight[5] = 0; // a zero stays zero (q = 8)

        var dequantized = Int4Reference.DequantizeSymmetric(weight, n, k);

        for (var row = 0; row < n; row++)
        {
            for (var b = 0; b < k / block; b++)
            {
                var span = Enumerable.Range((row * k) + (b * block), block).ToArray();
                var max = span.Max(i => Math.Abs(weight[i]));
                var scale = max / 7f;
                Assert.All(span, i => Assert.True(Math.Abs(dequantized[i] - weight[i]) <= (scale / 2) + 1e-6, $"element {i}"));
                var largest = span.MaxBy(i => Math.Abs(weight[i]));
                Assert.Equal(weight[largest], dequantized[largest], 5);
            }
        }

        Assert.Equal(0f, dequantized[5]);
    }
}
