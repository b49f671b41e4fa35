using QwenRag.Ingestion.Pipeline;

namespace QwenRag.Ingestion.Tests;

public sealed class DocumentNamesTests
{
    [Theory]
    [InlineData("invoice\u202efdp.exe.pdf", "invoicefdp.exe.pdf")] // right-to-left override
    [InlineData("\u202Areport\u202C.pdf", "report.pdf")] // LRE ... PDF
    [InlineData("\u2066a\u2067b\u2068c\u2069.pdf", "abc.pdf")] // isolates
    [InlineData("a\u200eb\u200fc\u061cd.txt", "abcd.txt")] // LRM, RLM, ALM
    [InlineData("zero\u200bwidth\u200c\u200d\u2060.md", "zerowidth.md")]
    [InlineData("\ufeffbom.md", "bom.md")]
    [InlineData("soft\u00adhyphen.md", "softhyphen.md")]
    [InlineData("private\ue000use.md", "privateuse.md")]
    [InlineData("unassigned\u0378.md", "unassigned.md")]
    [InlineData("bell\u0007and\u0000nul\u007f.md", "bellandnul.md")]
    [InlineData("  lots \t of\r\n space\u2028and\u2029lines\u00a0.md  ", "lots of space and lines .md")]
    [InlineData("naïve 日本語 😀.md", "naïve 日本語 😀.md")]
    [InlineData("../../evil.pdf", "evil.pdf")]
    [InlineData("C:\\Users\\x\\doc.docx", "doc.docx")]
    [InlineData("\u202e", "unnamed")]
    [InlineData("..", "unnamed")]
    [InlineData(null, "unnamed")]
    public void Clean_InvisibleAndControlCharacters_Removed(string? sent, string expected)
    {
        Assert.Equal(expected, DocumentNames.Clean(sent));
    }

    [Fact]
    public void Clean_LoneSurrogates_Removed()
    {
        // In a fact, not inline data: a theory's arguments go through UTF-8, which turns lone surrogates into U+FFFD.
        Assert.Equal("lonesurrogates.md", DocumentNames.Clean("lone\ud800surro\udc00gates.md"));
    }

    [Fact]
    public void Clean_LongName_ShortenedTo255KeepingTheExtension()
    {
        var name = new string('a', 300) + ".pdf";

        var cleaned = DocumentNames.Clean(name);

        Assert.Equal(DocumentNames.MaxLength, cleaned.Length);
        Assert.EndsWith(".pdf", cleaned, StringComparison.Ordinal);
        Assert.Equal(new string('a', DocumentNames.MaxLength - 4) + ".pdf", cleaned);
    }

    [Fact]
    public void Clean_LongNameOfSurrogatePairs_NotSplit()
    {
        // 😀 is two UTF-16 code units; 251 units of stem leave half a pair at the cut.
        var name = string.Concat(Enumerable.Repeat("😀", 200)) + ".docx";

        var cleaned = DocumentNames.Clean(name);

        Assert.True(cleaned.Length <= DocumentNames.MaxLength, $"{cleaned.Length} code units");
        Assert.EndsWith(".docx", cleaned, StringComparison.Ordinal);
        for (var i = 0; i < cleaned.Length; i++)
        {
            if (char.IsHighSurrogate(cleaned[i]))
            {
                Assert.True(i + 1 < cleaned.Length && char.IsLowSurrogate(cleaned[i + 1]), $"split pair at {i}");
                i++;
            }
            else
            {
                Assert.False(char.IsLowSurrogate(cleaned[i]), $"lone low surrogate at {i}");
            }
        }
    }

    [Fact]
    public void Clean_LongNameWithoutExtension_CutAt255()
    {
        var cleaned = DocumentNames.Clean(new string('x', 400));

        Assert.Equal(new string('x', DocumentNames.MaxLength), cleaned);
    }

    [Fact]
    public void Clean_NameOf255_Unchanged()
    {
        var name = new string('n', DocumentNames.MaxLength - 3) + ".md";

        Assert.Equal(name, DocumentNames.Clean(name));
    }
}
