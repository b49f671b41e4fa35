using System.Text;
using System.Text.RegularExpressions;
using AngleSharp.Dom;
using AngleSharp.Html.Parser;

namespace QwenRag.Ingestion.Extraction;

/// <summary>
/// HTML through AngleSharp: the visible text of the body (no scripts, styles, templates or hidden elements),
/// block elements as paragraphs, table rows as lines, entities decoded.
/// </summary>
public sealed partial class HtmlExtractor : IDocumentExtractor
{
    private static readonly HashSet<string> SkippedElements = new(StringComparer.OrdinalIgnoreCase)
    {
        "script", "style", "noscript", "template", "head", "title", "meta", "link", "svg", "canvas",
        "iframe", "object", "embed", "select", "datalist", "dialog",
    };

    private static readonly HashSet<string> BlockElements = new(StringComparer.OrdinalIgnoreCase)
    {
        "address", "article", "aside", "blockquote", "body", "caption", "dd", "details", "div", "dl", "dt",
        "fieldset", "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "header",
        "hr", "li", "main", "nav", "ol", "p", "pre", "section", "summary", "table", "tbody", "thead", "tfoot", "ul",
    };

    public IReadOnlyCollection<string> Extensions { get; } = [".html", ".htm", ".xhtml"];

    public IReadOnlyCollection<string> ContentTypes { get; } = ["text/html", "application/xhtml+xml"];

    public ExtractedDocument Extract(Stream content, string fileName)
    {
        var text = TextOfFragment(TextDecoder.Decode(DocumentBytes.ReadAll(content, fileName)));
        return text.Length > 0
            ? new ExtractedDocument([new ExtractedSection(1, text)])
            : throw DocumentBytes.NoText(fileName, "HTML page");
    }

    /// <summary>The visible text of an HTML document or fragment.</summary>
    internal static string TextOfFragment(string html)
    {
        using var document = new HtmlParser().ParseDocument(html);
        var builder = new StringBuilder();
        if (document.Body is { } body)
        {
            AppendVisibleText(body, builder, preformatted: false);
        }

        return TextLayout.Normalize(builder.ToString());
    }

    private static void AppendVisibleText(INode node, StringBuilder builder, bool preformatted)
    {
        foreach (var child in node.ChildNodes)
        {
            switch (child)
            {
                case IText text:
                    builder.Append(preformatted ? text.Data : LineBreaks().Replace(text.Data, " "));
                    break;
                case IElement element when !IsHidden(element):
                    AppendElement(element, builder, preformatted);
                    break;
            }
        }
    }

    private static void AppendElement(IElement element, StringBuilder builder, bool preformatted)
    {
        var name = element.LocalName;
        switch (name)
        {
            case "br":
                builder.Append('\n');
                return;
            case "tr":
                builder.Append('\n');
                AppendVisibleText(element, builder, preformatted);
                return;
            case "td" or "th":
                if (element.PreviousElementSibling is { LocalName: "td" or "th" })
                {
                    builder.Append(" | ");
                }

                AppendVisibleText(element, builder, preformatted);
                return;
            case "img":
                return;
        }

        var block = BlockElements.Contains(name);
        if (block)
        {
            builder.Append("\n\n");
        }

        AppendVisibleText(element, builder, preformatted || name is "pre" or "textarea");
        if (block)
        {
            builder.Append("\n\n");
        }
    }

    private static bool IsHidden(IElement element)
    {
        if (SkippedElements.Contains(element.LocalName)
            || element.HasAttribute("hidden")
            || string.Equals(element.GetAttribute("aria-hidden"), "true", StringComparison.OrdinalIgnoreCase)
            || (element.LocalName == "input" && string.Equals(element.GetAttribute("type"), "hidden", StringComparison.OrdinalIgnoreCase)))
        {
            return true;
        }

        var style = element.GetAttribute("style");
        return style is not null && HiddenStyle().IsMatch(style);
    }

    [GeneratedRegex(@"[\r\n]+")]
    private static partial Regex LineBreaks();

    [GeneratedRegex(@"display\s*:\s*none|visibility\s*:\s*hidden", RegexOptions.IgnoreCase)]
    private static partial Regex HiddenStyle();
}
