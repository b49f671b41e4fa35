using System.Text;

namespace QwenRag.Ingestion.Extraction;

/// <summary>Bytes to text: a byte-order mark wins; otherwise strict UTF-8, falling back to Latin-1.</summary>
internal static class TextDecoder
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    public static string Decode(ReadOnlySpan<byte> bytes)
    {
        if (bytes.StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF]))
        {
            return Encoding.UTF8.GetString(bytes[3..]);
        }

        if (bytes.StartsWith((ReadOnlySpan<byte>)[0xFF, 0xFE, 0x00, 0x00]))
        {
            return Encoding.UTF32.GetString(bytes[4..]);
        }

        if (bytes.StartsWith((ReadOnlySpan<byte>)[0xFF, 0xFE]))
        {
            return Encoding.Unicode.GetString(bytes[2..]);
        }

        if (bytes.StartsWith((ReadOnlySpan<byte>)[0xFE, 0xFF]))
        {
            return Encoding.BigEndianUnicode.GetString(bytes[2..]);
        }

        if (LooksLikeUtf16WithoutMark(bytes, out var utf16))
        {
            return utf16.GetString(bytes);
        }

        try
        {
            return StrictUtf8.GetString(bytes);
        }
        catch (DecoderFallbackException)
        {
            return Encoding.Latin1.GetString(bytes);
        }
    }

    // Text without a mark that has a zero in most odd (or even) byte positions is ASCII-range UTF-16.
    private static bool LooksLikeUtf16WithoutMark(ReadOnlySpan<byte> bytes, out Encoding encoding)
    {
        encoding = Encoding.Unicode;
        if (bytes.Length < 4 || bytes.Length % 2 != 0)
        {
            return false;
        }

        int evenZeros = 0, oddZeros = 0;
        for (var i = 0; i < bytes.Length; i += 2)
        {
            evenZeros += bytes[i] == 0 ? 1 : 0;
            oddZeros += bytes[i + 1] == 0 ? 1 : 0;
        }

        var pairs = bytes.Length / 2;
        if (oddZeros > pairs * 0.6 && evenZeros < pairs * 0.1)
        {
            return true;
        }

        encoding = Encoding.BigEndianUnicode;
        return evenZeros > pairs * 0.6 && oddZeros < pairs * 0.1;
    }
}
