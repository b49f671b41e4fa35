using System.Numerics;
using System.Runtime.InteropServices;

namespace QwenRag.Generation.Checkpoints;

/// <summary>Conversions between stored element types and float. BF16 is the high half of an F32.</summary>
internal static class FloatConversion
{
    public static void ToFloat32(TensorDtype dtype, ReadOnlySpan<byte> source, Span<float> destination)
    {
        switch (dtype)
        {
            case TensorDtype.F32:
                MemoryMarshal.Cast<byte, float>(source).CopyTo(destination);
                break;
            case TensorDtype.F16:
                var halves = MemoryMarshal.Cast<byte, Half>(source);
                for (var i = 0; i < halves.Length; i++)
                {
                    destination[i] = (float)halves[i];
                }

                break;
            case TensorDtype.BF16:
                Bf16ToFloat32(MemoryMarshal.Cast<byte, ushort>(source), destination);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(dtype), dtype, null);
        }
    }

    public static void Bf16ToFloat32(ReadOnlySpan<ushort> source, Span<float> destination)
    {
        var i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            var width = Vector<ushort>.Count;
            var uintWidth = Vector<uint>.Count;
            for (; i <= source.Length - width; i += width)
            {
                Vector.Widen(new Vector<ushort>(source[i..]), out var low, out var high);
                Vector.AsVectorSingle(Vector.ShiftLeft(low, 16)).CopyTo(destination[i..]);
                Vector.AsVectorSingle(Vector.ShiftLeft(high, 16)).CopyTo(destination[(i + uintWidth)..]);
            }
        }

        for (; i < source.Length; i++)
        {
            destination[i] = BitConverter.UInt32BitsToSingle((uint)source[i] << 16);
        }
    }

    /// <summary>Rounds to the nearest BF16, ties to even, as PyTorch does; NaN stays NaN.</summary>
    public static ushort ToBf16(float value)
    {
        var bits = BitConverter.SingleToUInt32Bits(value);
        if (float.IsNaN(value))
        {
            return (ushort)((bits >> 16) | 0x0040);
        }

        var rounding = 0x7FFFu + ((bits >> 16) & 1);
        return (ushort)((bits + rounding) >> 16);
    }

    public static float RoundToBf16(float value) => BitConverter.UInt32BitsToSingle((uint)ToBf16(value) << 16);
}
