using System.Text;
using QwenRag.Ingestion.Extraction;

namespace QwenRag.Ingestion.Tests;

public sealed class HtmlExtractorTests
{
    private readonly HtmlExtractor _extractor = new();

    [Fact]
    public void Extract_ScriptStyleAndHiddenElements_Skipped()
    {
        const string html = """
            <!DOCTYPE html>
            <html><head><title>Head title</title><style>body { color: red; }</style>
            <script>var secret = "script text";</script></head>
            <body>
              <noscript>Enable JavaScript</noscript>
              <template><p>template text</p></template>
              <h1>Visible   heading</h1>
              <p>First &amp; <b>bold</b>
                 paragraph&nbsp;text.</p>
              <div hidden>hidden attribute</div>
              <div style="display: none">display none</div>
              <span aria-hidden="true">aria hidden</span>
              <p>Second<br>line</p>
              <script>document.write("late script")</script>
            </body></html>
            """;

        var text = Extract(html);

        Assert.Equal("Visible heading\n\nFirst & bold paragraph text.\n\nSecond\nline", text);
    }

    [Fact]
    public void Extract_TablesListsAndPre_StructureKept()
    {
        const string html = """
            <ul><li>one</li><li>two</li></ul>
            <table><tr><th>Name</th><th>Value</th></tr><tr><td>alpha</td><td>1</td></tr></table>
            <pre>line one
            line two</pre>
            """;

        var text = Extract(html);

        Assert.Equal("one\n\ntwo\n\nName | Value\nalpha | 1\n\nline one\nline two", text);
    }

    [Fact]
    public void Extract_CorpusPage_NavigationTextAndNoMarkup()
    {
        using var stream = File.OpenRead(TestCorpus.MixedFile("users-and-groups.html"));

        var text = Assert.Single(_extractor.Extract(stream, "users-and-groups.html").Sections).Text;

        Assert.Contains("/bin/sync", text);
        Assert.DoesNotContain("<p", text);
        Assert.DoesNotContain("<a ", text);
        Assert.DoesNotContain("&amp;", text);
    }

    [Fact]
    public void Extract_NoVisibleText_RejectedAsNoText()
    {
        var error = Assert.Throws<DocumentRejectedException>(() => Extract("<html><head><title>t</title></head><body><script>x()</script></body></html>"));

        Assert.Equal(DocumentRejectionReason.NoText, error.Reason);
    }

    private string Extract(string html) =>
        Assert.Single(_extractor.Extract(new MemoryStream(Encoding.UTF8.GetBytes(html)), "page.html").Sections).Text;
}
