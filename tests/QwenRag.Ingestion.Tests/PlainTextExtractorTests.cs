using System.Text;
using QwenRag.Ingestion.Extraction;

namespace QwenRag.Ingestion.Tests;

public sealed class PlainTextExtractorTests
{
    private const string Sample = "Grüße aus Köln — ∑ café\n\nZweiter Absatz.";

    private readonly PlainTextExtractor _extractor = new();

    public static TheoryData<string> EncodingsWithMark() => ["utf-8", "utf-16", "utf-16BE", "utf-32"];

    [Theory]
    [MemberData(nameof(EncodingsWithMark))]
    public void Extract_ByteOrderMark_DecodedWithItsEncoding(string encodingName)
    {
        var encoding = Encoding.GetEncoding(encodingName);
        byte[] bytes = [.. encoding.GetPreamble(), .. encoding.GetBytes(Sample)];

        Assert.Equal(Sample, Extract(bytes));
    }

    [Fact]
    public void Extract_Utf16WithoutMark_Detected()
    {
        Assert.Equal("Plain ASCII text in UTF-16.", Extract(Encoding.Unicode.GetBytes("Plain ASCII text in UTF-16.")));
    }

    [Fact]
    public void Extract_Utf8WithoutMark_Decoded()
    {
        Assert.Equal(Sample, Extract(Encoding.UTF8.GetBytes(Sample)));
    }

    [Fact]
    public void Extract_InvalidUtf8_FallsBackToLatin1()
    {
        var bytes = Encoding.Latin1.GetBytes("Grüße aus Köln, 5 °C, ½ Stück");

        Assert.Equal("Grüße aus Köln, 5 °C, ½ Stück", Extract(bytes));
    }

    [Fact]
    public void Extract_WindowsLineEndingsAndSpaces_Normalised()
    {
        Assert.Equal("one two\nthree\n\nfour", Extract(Encoding.UTF8.GetBytes("  one \t two\r\nthree\r\n\r\n\r\n\r\nfour  \r\n")));
    }

    [Fact]
    public void Extract_EmptyFile_RejectedAsEmpty()
    {
        var error = Assert.Throws<DocumentRejectedException>(() => _extractor.Extract(new MemoryStream(), "notes.txt"));

        Assert.Equal(DocumentRejectionReason.Empty, error.Reason);
    }

    [Fact]
    public void Extract_OnlyWhitespace_RejectedAsNoText()
    {
        var error = Assert.Throws<DocumentRejectedException>(() => Extract(Encoding.UTF8.GetBytes(" \r\n\t\n")));

        Assert.Equal(DocumentRejectionReason.NoText, error.Reason);
    }

    private string Extract(byte[] bytes) =>
        Assert.Single(_extractor.Extract(new MemoryStream(bytes), "notes.txt").Sections).Text;
}
