using System.Text;
using System.Text.RegularExpressions;
using AngleSharp.Dom;
using AngleSharp.Html.Dom;
using AngleSharp.Html.Parser;

namespace QwenRag.Ingestion.Extraction;

/// <summary>
/// HTML through AngleSharp: the visible text of the body (no scripts, styles, templates or hidden elements),
/// block elements as paragraphs, table rows as lines, entities decoded. The title is the page's &lt;title&gt;, else its
/// first &lt;h1&gt;; shown h1 to h3 elements are its headings.
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

    private const int HeadingNodes = 4096;

    public IReadOnlyCollection<string> Extensions { get; } = [".html", ".htm", ".xhtml"];

    public IReadOnlyCollection<string> ContentTypes { get; } = ["text/html", "application/xhtml+xml"];

    public ExtractedDocument Extract(Stream content, string fileName, ExtractionLimits limits, CancellationToken cancellationToken)
    {
        var html = DocumentBytes.WithinTextLimit(TextDecoder.Decode(DocumentBytes.ReadAll(content, fileName)), fileName, limits);
        using var document = Parse(html, fileName, limits, cancellationToken);
        var text = document.Body is { } body ? VisibleText(body, cancellationToken) : "";
        if (text.Length == 0)
        {
            throw DocumentBytes.NoText(fileName, "HTML page");
        }

        // h1 to h3 that are shown, with their text as the page's text lays it out.
        var headings = document.Body is null
            ? []
            : document.Body.QuerySelectorAll("h1, h2, h3")
                .Where(heading => !HiddenWithin(heading, document.Body))
                .Take(DocumentHeadings.MaxPerDocument)
                .Select(heading => (heading.LocalName, Text: VisibleText(heading, cancellationToken, HeadingNodes)))
                .ToList();
        var title = DocumentHeadings.Clean(document.Title)
            ?? headings.Where(heading => heading.LocalName == "h1").Select(heading => DocumentHeadings.Clean(heading.Text)).FirstOrDefault(t => t is not null);
        var located = DocumentHeadings.Locate(text, headings.Select(heading => heading.Text));
        return new ExtractedDocument([new ExtractedSection(1, text) { Headings = located }], title);
    }

    /// <summary>The visible text of an HTML document or fragment.</summary>
    /// <exception cref="DocumentRejectedException">It nests too deep or has too many elements.</exception>
    internal static string TextOfFragment(string html, string fileName, ExtractionLimits limits, CancellationToken cancellationToken)
    {
        using var document = Parse(html, fileName, limits, cancellationToken);
        return document.Body is { } body ? VisibleText(body, cancellationToken) : "";
    }

    private static IHtmlDocument Parse(string html, string fileName, ExtractionLimits limits, CancellationToken cancellationToken)
    {
        HtmlNesting.Check(html, fileName, limits, cancellationToken);
        var elements = 0;
        var parser = new HtmlParser(new HtmlParserOptions
        {
            // Called for every element the tree builder creates: the one place to stop a parse that runs long.
            OnCreated = (_, _) =>
            {
                if (++elements > limits.MaxHtmlElements)
                {
                    throw ExtractionLimits.Exceeded(
                        fileName,
                        $"the HTML has more than {limits.MaxHtmlElements:N0} elements",
                        nameof(ExtractionLimits.MaxHtmlElements));
                }

                if (elements % 1024 == 0)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                }
            },
        });
        return parser.ParseDocument(html);
    }

    // maxNodes bounds a heading's walk: nested headings would otherwise each read the rest of the page.
    private static string VisibleText(INode root, CancellationToken cancellationToken, int maxNodes = int.MaxValue)
    {
        var builder = new StringBuilder();
        AppendVisibleText(root, builder, cancellationToken, maxNodes);
        return TextLayout.Normalize(builder.ToString());
    }

    private static bool HiddenWithin(IElement element, IElement root)
    {
        for (var current = element; current is not null && current != root; current = current.ParentElement)
        {
            if (IsHidden(current))
            {
                return true;
            }
        }

        return false;
    }

    // Iterative, so that no nesting the parser accepts can overflow the stack.
    private static void AppendVisibleText(INode root, StringBuilder builder, CancellationToken cancellationToken, int maxNodes)
    {
        var frames = new Stack<Frame>();
        frames.Push(new Frame(root.ChildNodes, preformatted: false, block: false));
        var visited = 0;
        while (frames.TryPeek(out var frame))
        {
            if (frame.Next == frame.Children.Length)
            {
                frames.Pop();
                if (frame.Block)
                {
                    builder.Append("\n\n");
                }

                continue;
            }

            if (++visited % 4096 == 0)
            {
                cancellationToken.ThrowIfCancellationRequested();
            }

            if (visited > maxNodes || (maxNodes < int.MaxValue && builder.Length > 4 * DocumentHeadings.MaxLength))
            {
                return;
            }

            var child = frame.Children[frame.Next++];
            switch (child)
            {
                case IText text:
                    builder.Append(frame.Preformatted ? text.Data : LineBreaks().Replace(text.Data, " "));
                    break;
                case IElement element when !IsHidden(element):
                    if (Enter(element, builder, frame.Preformatted) is { } inner)
                    {
                        frames.Push(inner);
                    }

                    break;
            }
        }
    }

    // What an element adds before its children, and the frame that walks them (null when they are not read).
    private static Frame? Enter(IElement element, StringBuilder builder, bool preformatted)
    {
        var name = element.LocalName;
        switch (name)
        {
            case "br":
                builder.Append('\n');
                return null;
            case "tr":
                builder.Append('\n');
                return new Frame(element.ChildNodes, preformatted, block: false);
            case "td" or "th":
                if (element.PreviousElementSibling is { LocalName: "td" or "th" })
                {
                    builder.Append(" | ");
                }

                return new Frame(element.ChildNodes, preformatted, block: false);
            case "img":
                return null;
        }

        var block = BlockElements.Contains(name);
        if (block)
        {
            builder.Append("\n\n");
        }

        return new Frame(element.ChildNodes, preformatted || name is "pre" or "textarea", block);
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

    private sealed class Frame(INodeList children, bool preformatted, bool block)
    {
        public INodeList Children { get; } = children;

        public bool Preformatted { get; } = preformatted;

        public bool Block { get; } = block;

        public int Next { get; set; }
    }
}
