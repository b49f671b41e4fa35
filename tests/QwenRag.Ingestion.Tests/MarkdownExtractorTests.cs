using System.Text;
using QwenRag.Ingestion.Extraction;

namespace QwenRag.Ingestion.Tests;

public sealed class MarkdownExtractorTests
{
    private readonly MarkdownExtractor _extractor = new();

    [Fact]
    public void Extract_CorpusFile_HeadingsAndParagraphsSeparated()
    {
        using var stream = File.OpenRead(TestCorpus.MixedFile("reducing_variance.md"));

        var text = Assert.Single(_extractor.Extract(stream, "reducing_variance.md").Sections).Text;

        Assert.StartsWith("Reducing Variance\n\nDisabling CPU Frequency Scaling\n\n", text);
        Assert.Contains("\n\nsudo cpupower frequency-set --governor performance\n\n", text);
        Assert.DoesNotContain("#", text);
        Assert.DoesNotContain("```", text);
    }

    [Fact]
    public void Extract_MarkupAndCodeBlock_PlainTextKept()
    {
        const string markdown = """
            ---
            title: front matter is metadata
            ---
            # Title

            Some *emphasis*, `code`, a [link text](https://example.com) and &amp; an entity.
            A soft break.

            - first item
            - second item

            | Name | Value |
            |------|-------|
            | alpha | 1 |

            ```csharp
            var x = 1;
            ```
            """;

        var text = Extract(markdown);

        Assert.Equal(
            "Title\n\nSome emphasis, code, a link text and & an entity. A soft break.\n\nfirst item\n\nsecond item\n\n"
            + "Name | Value\n\nalpha | 1\n\nvar x = 1;",
            text);
    }

    [Fact]
    public void Extract_OnlyWhitespace_RejectedAsNoText()
    {
        var error = Assert.Throws<DocumentRejectedException>(() => Extract("   \n\n  "));

        Assert.Equal(DocumentRejectionReason.NoText, error.Reason);
    }

    private string Extract(string markdown) =>
        Assert.Single(_extractor.Extract(new MemoryStream(Encoding.UTF8.GetBytes(markdown)), "note.md").Sections).Text;
}
