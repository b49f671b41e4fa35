namespace QwenRag.Generation.Checkpoints;

/// <summary>Name, element type and shape of one checkpoint tensor.</summary>
public sealed record TensorInfo(string Name, TensorDtype Dtype, IReadOnlyList<long> Shape)
{
    /// <summary>Number of elements: the product of the shape (1 for a scalar).</summary>
    public long ElementCount => Shape.Aggregate(1L, (count, dim) => count * dim);

    /// <summary>Number of bytes the tensor occupies in the file.</summary>
    public long ByteLength => ElementCount * Dtype.ElementSize();

    /// <summary>The shape as "[a, b]", the way error messages show it.</summary>
    public string ShapeText => TensorShapes.Format(Shape);
}
