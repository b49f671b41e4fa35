namespace QwenRag.Generation.Checkpoints;

/// <summary>A tensor an architecture needs, with the shape its config implies.</summary>
/// <param name="Optional">True for lm_head.weight when embeddings are tied: a checkpoint may still carry it.</param>
public sealed record ExpectedTensor(string Name, IReadOnlyList<long> Shape, TensorRole Role, bool Optional = false);
