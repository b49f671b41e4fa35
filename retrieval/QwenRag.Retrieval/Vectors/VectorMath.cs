using System.Numerics.Tensors;

namespace QwenRag.Retrieval.Vectors;

internal static class VectorMath
{
    public static float Dot(ReadOnlySpan<float> a, ReadOnlySpan<float> b) => TensorPrimitives.Dot(a, b);

    /// <summary>A unit-length copy (a zero vector stays zero), so that a dot product is the cosine.</summary>
    public static float[] Normalized(ReadOnlySpan<float> vector)
    {
        var copy = vector.ToArray();
        var norm = TensorPrimitives.Norm(copy);
        if (norm > 0 && float.IsFinite(norm))
        {
            TensorPrimitives.Divide(copy, norm, copy);
        }

        return copy;
    }
}
