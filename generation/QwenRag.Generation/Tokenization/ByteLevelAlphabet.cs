namespace QwenRag.Generation.Tokenization;

/// <summary>
/// GPT-2's byte-level alphabet: every byte is written as one printable character in vocabulary entries
/// (printable Latin-1 bytes as themselves, the rest shifted to U+0100 and up).
/// </summary>
internal static class ByteLevelAlphabet
{
    private static readonly Dictionary<char, byte> CharToByte = Build();

    /// <summary>The bytes a vocabulary entry stands for, or null when it holds a character outside the alphabet.</summary>
    public static byte[]? ToBytes(string token)
    {
        var bytes = new byte[token.Length];
        for (var i = 0; i < token.Length; i++)
        {
            if (!CharToByte.TryGetValue(token[i], out bytes[i]))
            {
                return null;
            }
        }

        return bytes;
    }

    private static Dictionary<char, byte> Build()
    {
        var map = new Dictionary<char, byte>(256);
        var shifted = 0;
        for (var b = 0; b < 256; b++)
        {
            var printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
            var c = printable ? (char)b : (char)(256 + shifted++);
            map[c] = (byte)b;
        }

        return map;
    }
}
