namespace QwenRag.Generation.Checkpoints;

/// <summary>One tensor's header entry; offsets are absolute within the file.</summary>
internal sealed record SafetensorsEntry(string Name, string DtypeName, long[] Shape, long Begin, long End)
{
    public bool TryGetDtype(out TensorDtype dtype) => TensorDtypes.TryParseSafetensorsName(DtypeName, out dtype);
}
