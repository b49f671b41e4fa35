namespace QwenRag.Generation.Checkpoints;

/// <summary>Safetensors dtype names and element sizes.</summary>
public static class TensorDtypes
{
    /// <summary>Bytes per element.</summary>
    public static int ElementSize(this TensorDtype dtype) => dtype switch
    {
        TensorDtype.F32 => 4,
        TensorDtype.F16 => 2,
        TensorDtype.BF16 => 2,
        _ => throw new ArgumentOutOfRangeException(nameof(dtype), dtype, null),
    };

    /// <summary>The name safetensors headers use ("F32", "F16", "BF16").</summary>
    public static string SafetensorsName(this TensorDtype dtype) => dtype switch
    {
        TensorDtype.F32 => "F32",
        TensorDtype.F16 => "F16",
        TensorDtype.BF16 => "BF16",
        _ => throw new ArgumentOutOfRangeException(nameof(dtype), dtype, null),
    };

    /// <summary>Parses a safetensors dtype name; false for types the engine does not read (I8, F64, ...).</summary>
    public static bool TryParseSafetensorsName(string name, out TensorDtype dtype)
    {
        switch (name)
        {
            case "F32":
                dtype = TensorDtype.F32;
                return true;
            case "F16":
                dtype = TensorDtype.F16;
                return true;
            case "BF16":
                dtype = TensorDtype.BF16;
                return true;
            default:
                dtype = default;
                return false;
        }
    }
}
