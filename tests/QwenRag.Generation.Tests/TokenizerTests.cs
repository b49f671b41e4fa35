using System.Text;
using QwenRag.Generation.Tokenization;

namespace QwenRag.Generation.Tests;

public sealed class TokenizerTests(TokenizerFixture fixture) : IClassFixture<TokenizerFixture>
{
    private readonly QwenTokenizer _tokenizer = fixture.Tokenizer;

    [Fact]
    public void EveryReferenceCaseEncodesToTheReferenceIds()
    {
        Assert.NotEmpty(fixture.Cases);
        var failures = new List<string>();
        foreach (var (text, ids) in fixture.Cases)
        {
            var actual = _tokenizer.Encode(text);
            if (!actual.SequenceEqual(ids))
            {
                failures.Add($"{Escape(text)}\n  expected [{string.Join(',', ids)}]\n  actual   [{string.Join(',', actual)}]");
            }
        }

        Assert.True(failures.Count == 0, $"{failures.Count}/{fixture.Cases.Count} cases differ:\n{string.Join('\n', failures.Take(10))}");
    }

    [Fact]
    public void DecodingTheReferenceIdsGivesTheNfcText()
    {
        foreach (var (text, ids) in fixture.Cases)
        {
            Assert.Equal(text.Normalize(NormalizationForm.FormC), _tokenizer.Decode(ids));
        }
    }

    [Fact]
    public void DecodeOfEncodeRoundTrips()
    {
        foreach (var (text, _) in fixture.Cases)
        {
            Assert.Equal(text.Normalize(NormalizationForm.FormC), _tokenizer.Decode(_tokenizer.Encode(text)));
        }
    }

    [Fact]
    public void NonNfcInputIsNormalisedBeforeEncoding()
    {
        const string decomposed = "cafe\u0301";
        Assert.Equal(_tokenizer.Encode("caf\u00e9"), _tokenizer.Encode(decomposed));
    }

    [Theory]
    [InlineData("<|endoftext|>", 151643)]
    [InlineData("<|im_start|>", 151644)]
    [InlineData("<|im_end|>", 151645)]
    public void SpecialTokensEncodeToSingleIds(string token, int id)
    {
        Assert.Equal([id], _tokenizer.Encode(token));
        Assert.Equal(id, _tokenizer.TokenId(token));
        Assert.True(_tokenizer.IsSpecial(id));
        Assert.Equal(token, _tokenizer.Decode([id]));
    }

    [Fact]
    public void EveryAddedTokenEncodesToItsId()
    {
        Assert.Equal(26, _tokenizer.AddedTokens.Count);
        foreach (var (content, id) in _tokenizer.AddedTokens)
        {
            Assert.Equal([id], _tokenizer.Encode(content));
        }
    }

    [Fact]
    public void ChatMarkupSplitsAroundSpecialTokens()
    {
        var ids = _tokenizer.Encode("<|im_start|>user\nHi<|im_end|>\n");
        Assert.Equal(151644, ids[0]);
        Assert.Contains(151645, ids);
        Assert.Equal("<|im_start|>user\nHi<|im_end|>\n", _tokenizer.Decode(ids));
        Assert.Equal("user\nHi\n", _tokenizer.Decode(ids, skipSpecialTokens: true));
    }

    [Fact]
    public void TokenIdIsNullForUnknownTokens()
    {
        Assert.Null(_tokenizer.TokenId("<|no_such_token|>"));
        Assert.Equal(_tokenizer.Encode("Hello").Single(), _tokenizer.TokenId("Hello"));
    }

    [Fact]
    public void DecodeRejectsIdsOutsideTheVocabulary()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => _tokenizer.Decode([_tokenizer.Count + 10]));
        Assert.Throws<ArgumentOutOfRangeException>(() => _tokenizer.Decode([-1]));
    }

    [Fact]
    public void EmptyTextEncodesToNoIds()
    {
        Assert.Empty(_tokenizer.Encode(string.Empty));
        Assert.Equal(string.Empty, _tokenizer.Decode([]));
    }

    [Theory]
    [InlineData("emoji 😀🎉👩‍👩‍👧‍👦 and flags 🇯🇵🇫🇷")]
    [InlineData("中文分词测试，日本語のテキスト、한국어 텍스트")]
    [InlineData("combining e\u0301 a\u0308 n\u0303 and Z\u0351\u0352\u0353algo")]
    [InlineData("mixed 数字１２３ café 😀 <|im_end|> done")]
    public void StreamingDecodeEmitsOnlyWholeCharacters(string text)
    {
        var ids = _tokenizer.Encode(text);
        var decoder = _tokenizer.CreateStreamingDecoder();
        var output = new StringBuilder();
        foreach (var id in ids)
        {
            var piece = decoder.Push(id);
            Assert.DoesNotContain('\uFFFD', piece);
            if (piece.Length > 0)
            {
                Assert.False(char.IsHighSurrogate(piece[^1]), "a piece ends inside a surrogate pair");
            }

            output.Append(piece);
        }

        output.Append(decoder.Flush());
        Assert.Equal(text.Normalize(NormalizationForm.FormC), output.ToString());
    }

    [Theory]
    [InlineData("𓀀")]
    [InlineData("𝔘")]
    [InlineData("🫠")]
    [InlineData("𠀋")]
    public void StreamingDecodeHoldsBackSplitCharacters(string character)
    {
        // Rare characters are split across tokens that each carry only part of their four UTF-8 bytes:
        // nothing may come out until the last one.
        var ids = _tokenizer.Encode(character);
        Assert.True(ids.Count > 1, $"{character} is a single token; the test needs one that spans several");
        var decoder = _tokenizer.CreateStreamingDecoder();
        for (var i = 0; i < ids.Count - 1; i++)
        {
            Assert.Equal(string.Empty, decoder.Push(ids[i]));
        }

        Assert.Equal(character, decoder.Push(ids[^1]));
        Assert.Equal(string.Empty, decoder.Flush());
    }

    [Fact]
    public void StreamingFlushReplacesAnUnfinishedCharacter()
    {
        var ids = _tokenizer.Encode("𓀀");
        var decoder = _tokenizer.CreateStreamingDecoder();
        Assert.Equal(string.Empty, decoder.Push(ids[0]));
        Assert.Equal("\uFFFD", decoder.Flush());
    }

    [Fact]
    public void StreamingDecodeCanSkipSpecialTokens()
    {
        var decoder = _tokenizer.CreateStreamingDecoder(skipSpecialTokens: true);
        var text = string.Concat(_tokenizer.Encode("<|im_start|>assistant\nok<|im_end|>").Select(decoder.Push));
        Assert.Equal("assistant\nok", text);
    }

    [Fact]
    public void LoadFailsClearlyWithoutTokenizerJson()
    {
        using var folder = new CheckpointTestFolder();
        Assert.Throws<FileNotFoundException>(() => QwenTokenizer.Load(folder.Path));
        File.WriteAllText(folder.File("tokenizer.json"), "{ \"model\": 3 }");
        Assert.Throws<InvalidDataException>(() => QwenTokenizer.Load(folder.Path));
    }

    private static string Escape(string text) => text.Replace("\r", "\\r", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);
}
