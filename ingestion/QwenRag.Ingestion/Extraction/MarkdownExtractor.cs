using System.Text;
using System.Text.RegularExpressions;
using Markdig;
using Markdig.Extensions.Tables;
using Markdig.Extensions.Yaml;
using Markdig.Syntax;
using Markdig.Syntax.Inlines;

namespace QwenRag.Ingestion.Extraction;

/// <summary>
/// Markdown through Markdig: headings, paragraphs, list items, table rows and code blocks as plain text. The title is
/// the front matter's <c>title:</c>, else the first level-1 heading; headings of levels 1 to 3 are reported.
/// </summary>
public sealed partial class MarkdownExtractor : IDocumentExtractor
{
    private const int HeadingLevels = 3;

    private static readonly MarkdownPipeline Pipeline = new MarkdownPipelineBuilder()
        .UsePipeTables()
        .UseGridTables()
        .UseYamlFrontMatter()
        .Build();

    public IReadOnlyCollection<string> Extensions { get; } = [".md", ".markdown"];

    public IReadOnlyCollection<string> ContentTypes { get; } = ["text/markdown", "text/x-markdown"];

    public ExtractedDocument Extract(Stream content, string fileName, ExtractionLimits limits, CancellationToken cancellationToken)
    {
        var source = DocumentBytes.WithinTextLimit(TextDecoder.Decode(DocumentBytes.ReadAll(content, fileName)), fileName, limits);
        MarkdownDocument markdown;
        try
        {
            markdown = Markdown.Parse(source, Pipeline);
        }
        catch (ArgumentException ex)
        {
            // Markdig refuses blocks nested deeper than 128 and inlines nested by the ten thousand.
            throw new DocumentRejectedException(
                fileName, DocumentRejectionReason.OverLimit, "the Markdown nests deeper than the Markdown parser allows", ex);
        }

        var blocks = new List<string>();
        var headings = new List<(int Level, string Text)>();
        AddBlocks(markdown, blocks, html => HtmlExtractor.TextOfFragment(html, fileName, limits, cancellationToken), headings);
        var text = TextLayout.JoinParagraphs(blocks);
        if (text.Length == 0)
        {
            throw DocumentBytes.NoText(fileName, "Markdown file");
        }

        var title = DocumentHeadings.Clean(FrontMatterTitle(markdown))
            ?? headings.Where(heading => heading.Level == 1).Select(heading => DocumentHeadings.Clean(heading.Text)).FirstOrDefault(t => t is not null);
        var located = DocumentHeadings.Locate(text, headings.Where(heading => heading.Level <= HeadingLevels).Select(heading => heading.Text));
        return new ExtractedDocument([new ExtractedSection(1, text) { Headings = located }], title);
    }

    private static string? FrontMatterTitle(MarkdownDocument markdown) =>
        markdown.OfType<YamlFrontMatterBlock>().FirstOrDefault() is { } front
            && FrontMatterTitleLine().Match(front.Lines.ToString()) is { Success: true } match
            ? match.Groups[1].Value.Trim().Trim('"', '\'')
            : null;

    // htmlText reads an HTML block within the document's limits; headings (level, text) are collected when given.
    private static void AddBlocks(
        ContainerBlock container, List<string> blocks, Func<string, string> htmlText, List<(int Level, string Text)>? headings = null)
    {
        foreach (var block in container)
        {
            switch (block)
            {
                case YamlFrontMatterBlock:
                case ThematicBreakBlock:
                    break;
                case HeadingBlock { Inline: not null } heading:
                    var headingText = InlineText(heading.Inline);
                    blocks.Add(headingText);
                    if (headings is not null && headings.Count < DocumentHeadings.MaxPerDocument)
                    {
                        headings.Add((heading.Level, headingText));
                    }

                    break;
                case Table table:
                    foreach (var row in table.OfType<TableRow>())
                    {
                        blocks.Add(string.Join(" | ", row.OfType<TableCell>().Select(cell => CellText(cell, htmlText))));
                    }

                    break;
                case HtmlBlock html:
                    blocks.Add(htmlText(html.Lines.ToString()));
                    break;
                case LeafBlock { Inline: not null } leaf:
                    blocks.Add(InlineText(leaf.Inline));
                    break;
                case LeafBlock leaf:
                    blocks.Add(leaf.Lines.ToString());
                    break;
                case ContainerBlock child:
                    AddBlocks(child, blocks, htmlText, headings);
                    break;
            }
        }
    }

    private static string CellText(TableCell cell, Func<string, string> htmlText)
    {
        var parts = new List<string>();
        AddBlocks(cell, parts, htmlText);
        return string.Join(" ", parts).ReplaceLineEndings(" ");
    }

    private static string InlineText(ContainerInline container)
    {
        var builder = new StringBuilder();
        AppendInlines(container, builder);
        return builder.ToString();
    }

    // Iterative: Markdig accepts inlines (links in links) nested thousands deep.
    private static void AppendInlines(ContainerInline root, StringBuilder builder)
    {
        var pending = new Stack<Inline>();
        PushChildren(root, pending);
        while (pending.TryPop(out var inline))
        {
            switch (inline)
            {
                case LiteralInline literal:
                    builder.Append(literal.Content);
                    break;
                case CodeInline code:
                    builder.Append(code.Content);
                    break;
                case LineBreakInline lineBreak:
                    builder.Append(lineBreak.IsHard ? '\n' : ' ');
                    break;
                case HtmlEntityInline entity:
                    builder.Append(entity.Transcoded);
                    break;
                case AutolinkInline autolink:
                    builder.Append(autolink.Url);
                    break;
                case ContainerInline child:
                    PushChildren(child, pending);
                    break;
            }
        }
    }

    // Last child first, so that they pop in reading order.
    private static void PushChildren(ContainerInline container, Stack<Inline> pending)
    {
        for (var inline = container.LastChild; inline is not null; inline = inline.PreviousSibling)
        {
            pending.Push(inline);
        }
    }

    [GeneratedRegex(@"^title\s*:\s*(.+)$", RegexOptions.Multiline | RegexOptions.IgnoreCase)]
    private static partial Regex FrontMatterTitleLine();
}
