namespace QwenRag.Generation.Checkpoints;

/// <summary>Hugging Face transformers' "rope_type" values the engine supports.</summary>
public enum RopeType
{
    Default,
    Linear,
    Dynamic,
    Yarn,
}
