using System.Text;

namespace QwenRag.Generation.Tokenization;

/// <summary>
/// Turns generated token ids into text one id at a time. A token may end in the middle of a UTF-8 character
/// (emoji and CJK often span two or three byte-level tokens); those bytes wait until the character is complete,
/// so <see cref="Push"/> never returns half a character or a replacement character for one.
/// </summary>
public sealed class StreamingDecoder
{
    private readonly QwenTokenizer _tokenizer;
    private readonly bool _skipSpecialTokens;
    private readonly Decoder _utf8 = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: false).GetDecoder();
    private readonly char[] _chars = new char[256];

    internal StreamingDecoder(QwenTokenizer tokenizer, bool skipSpecialTokens)
    {
        _tokenizer = tokenizer;
        _skipSpecialTokens = skipSpecialTokens;
    }

    /// <summary>Adds one token and returns the characters it completes (possibly empty).</summary>
    public string Push(int id)
    {
        var bytes = _tokenizer.TokenBytes(id, _skipSpecialTokens);
        return bytes.Length == 0 ? string.Empty : Convert(bytes, flush: false);
    }

    /// <summary>Ends the stream: bytes of a character that never completed come out as U+FFFD.</summary>
    public string Flush() => Convert([], flush: true);

    private string Convert(ReadOnlySpan<byte> bytes, bool flush)
    {
        var needed = _utf8.GetCharCount(bytes, flush);
        var buffer = needed <= _chars.Length ? _chars : new char[needed];
        var written = _utf8.GetChars(bytes, buffer, flush);
        return written == 0 ? string.Empty : new string(buffer, 0, written);
    }
}
