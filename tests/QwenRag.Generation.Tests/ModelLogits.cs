using QwenRag.Generation.Runtime;

namespace QwenRag.Generation.Tests;

/// <summary>Logits of every position through the public <see cref="QwenOnnxModel.Score"/>, the way the tests compare them.</summary>
internal static class ModelLogits
{
    /// <summary>
    /// With <paramref name="prefill"/> = N, the first N tokens go in one pass and the rest one token per pass through
    /// the KV cache; without it, all tokens go in one pass.
    /// </summary>
    public static float[][] Logits(this QwenOnnxModel model, IReadOnlyList<int> tokens, int? prefill = null)
    {
        var ids = tokens.ToArray();
        var first = prefill ?? ids.Length;
        using var cache = model.CreateCache(ids.Length);
        var rows = new List<float[]>(model.Score(cache, ids.AsSpan(0, first)));
        for (var i = first; i < ids.Length; i++)
        {
            rows.AddRange(model.Score(cache, ids.AsSpan(i, 1)));
        }

        return [.. rows];
    }
}
