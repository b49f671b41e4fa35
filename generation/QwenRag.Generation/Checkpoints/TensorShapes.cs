namespace QwenRag.Generation.Checkpoints;

internal static class TensorShapes
{
    public static string Format(IEnumerable<long> shape) => "[" + string.Join(", ", shape) + "]";
}
