namespace QwenRag.Generation.Checkpoints;

/// <summary>Floating-point element types a checkpoint tensor may be stored in.</summary>
public enum TensorDtype
{
    F32,
    F16,
    BF16,
}
