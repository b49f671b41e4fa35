namespace QwenRag.Generation.Checkpoints;

/// <summary>What a checkpoint tensor is for, which decides how tiny test checkpoints initialise it.</summary>
public enum TensorRole
{
    /// <summary>A projection or embedding matrix.</summary>
    Weight,

    /// <summary>An RMSNorm scale, around 1.</summary>
    NormScale,

    /// <summary>A linear layer's bias.</summary>
    Bias,
}
