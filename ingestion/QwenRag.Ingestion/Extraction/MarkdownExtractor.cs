using System.Text;
using Markdig;
using Markdig.Extensions.Tables;
using Markdig.Extensions.Yaml;
using Markdig.Syntax;
using Markdig.Syntax.Inlines;

namespace QwenRag.Ingestion.Extraction;

/// <summary>Markdown through Markdig: headings, paragraphs, list items, table rows and code blocks as plain text.</summary>
public sealed class MarkdownExtractor : IDocumentExtractor
{
    private static readonly MarkdownPipeline Pipeline = new MarkdownPipelineBuilder()
        .UsePipeTables()
        .UseGridTables()
        .UseYamlFrontMatter()
        .Build();

    public IReadOnlyCollection<string> Extensions { get; } = [".md", ".markdown"];

    public IReadOnlyCollection<string> ContentTypes { get; } = ["text/markdown", "text/x-markdown"];

    public ExtractedDocument Extract(Stream content, string fileName)
    {
        var source = TextDecoder.Decode(DocumentBytes.ReadAll(content, fileName));
        var blocks = new List<string>();
        AddBlocks(Markdown.Parse(source, Pipeline), blocks);
        var text = TextLayout.JoinParagraphs(blocks);
        return text.Length > 0
            ? new ExtractedDocument([new ExtractedSection(1, text)])
            : throw DocumentBytes.NoText(fileName, "Markdown file");
    }

    private static void AddBlocks(ContainerBlock container, List<string> blocks)
    {
        foreach (var block in container)
        {
            switch (block)
            {
                case YamlFrontMatterBlock:
                case ThematicBreakBlock:
                    break;
                case Table table:
                    foreach (var row in table.OfType<TableRow>())
                    {
                        blocks.Add(string.Join(" | ", row.OfType<TableCell>().Select(CellText)));
                    }

                    break;
                case HtmlBlock html:
                    blocks.Add(HtmlExtractor.TextOfFragment(html.Lines.ToString()));
                    break;
                case LeafBlock { Inline: not null } leaf:
                    blocks.Add(InlineText(leaf.Inline));
                    break;
                case LeafBlock leaf:
                    blocks.Add(leaf.Lines.ToString());
                    break;
                case ContainerBlock child:
                    AddBlocks(child, blocks);
                    break;
            }
        }
    }

    private static string CellText(TableCell cell)
    {
        var parts = new List<string>();
        AddBlocks(cell, parts);
        return string.Join(" ", parts).ReplaceLineEndings(" ");
    }

    private static string InlineText(ContainerInline container)
    {
        var builder = new StringBuilder();
        AppendInlines(container, builder);
        return builder.ToString();
    }

    private static void AppendInlines(ContainerInline container, StringBuilder builder)
    {
        foreach (var inline in container)
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
                    AppendInlines(child, builder);
                    break;
            }
        }
    }
}
