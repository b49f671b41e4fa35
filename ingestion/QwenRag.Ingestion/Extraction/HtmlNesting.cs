namespace QwenRag.Ingestion.Extraction;

/// <summary>
/// How deep an HTML page's elements nest, estimated by a linear scan of its tags before it is parsed: the HTML tree
/// builder scans its stack of open elements on most start tags, so a page nested 100,000 deep costs minutes to
/// parse. The scan follows the tokenizer (comments, quoted attribute values, raw-text elements) and leaves out the
/// elements that never or need not close, so what it counts is what the parser's stack would hold.
/// </summary>
internal static class HtmlNesting
{
    private static readonly HashSet<string> Unnested = new(StringComparer.Ordinal)
    {
        // Void elements.
        "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source", "track", "wbr",
        "basefont", "bgsound", "frame", "keygen",

        // End tag optional: a sibling closes them, so they do not pile up.
        "html", "head", "body", "p", "li", "dt", "dd", "option", "optgroup", "tr", "td", "th", "thead", "tbody",
        "tfoot", "colgroup", "caption", "rb", "rt", "rtc", "rp",
    };

    private static readonly HashSet<string> RawText = new(StringComparer.Ordinal)
    {
        "script", "style", "textarea", "title", "xmp", "iframe", "noembed", "noframes",
    };

    /// <exception cref="DocumentRejectedException">The elements nest deeper than <see cref="ExtractionLimits.MaxNestingDepth"/>.</exception>
    public static void Check(string html, string fileName, ExtractionLimits limits, CancellationToken cancellationToken)
    {
        var open = new List<string>();
        var foreign = 0; // open <svg> and <math>, inside which "/>" closes an element
        var tags = 0;
        var at = 0;
        while ((at = html.IndexOf('<', at)) >= 0 && at + 1 < html.Length)
        {
            if (++tags % 65_536 == 0)
            {
                cancellationToken.ThrowIfCancellationRequested();
            }

            if (html.AsSpan(at).StartsWith("<!--"))
            {
                at = SkipPast(html, "-->", at + 4);
                continue;
            }

            if (html[at + 1] is '!' or '?')
            {
                at = SkipPast(html, ">", at + 2);
                continue;
            }

            var closing = html[at + 1] == '/';
            var nameStart = at + (closing ? 2 : 1);
            if (nameStart >= html.Length || !char.IsAsciiLetter(html[nameStart]))
            {
                at++;
                continue;
            }

            var nameEnd = nameStart;
            while (nameEnd < html.Length && !char.IsWhiteSpace(html[nameEnd]) && html[nameEnd] is not ('/' or '>'))
            {
                nameEnd++;
            }

            var name = html[nameStart..nameEnd].ToLowerInvariant();
            var tagEnd = TagEnd(html, nameEnd);
            if (tagEnd < 0)
            {
                return;
            }

            at = tagEnd + 1;
            if (closing)
            {
                var index = open.LastIndexOf(name);
                if (index >= 0)
                {
                    foreign -= open.Skip(index).Count(IsForeignRoot);
                    open.RemoveRange(index, open.Count - index);
                }

                continue;
            }

            if (Unnested.Contains(name) || (foreign > 0 && html[tagEnd - 1] == '/'))
            {
                continue;
            }

            if (RawText.Contains(name))
            {
                // Its content is text up to its end tag, whatever it looks like.
                var end = html.IndexOf("</" + name, at, StringComparison.OrdinalIgnoreCase);
                at = end < 0 ? html.Length : end;
                continue;
            }

            open.Add(name);
            foreign += IsForeignRoot(name) ? 1 : 0;
            if (open.Count > limits.MaxNestingDepth)
            {
                throw TooDeep(fileName, "HTML", limits);
            }
        }
    }

    public static DocumentRejectedException TooDeep(string fileName, string kind, ExtractionLimits limits) =>
        ExtractionLimits.Exceeded(
            fileName, $"the {kind} nests deeper than {limits.MaxNestingDepth:N0} levels", nameof(ExtractionLimits.MaxNestingDepth));

    private static bool IsForeignRoot(string name) => name is "svg" or "math";

    private static int SkipPast(string html, string marker, int from)
    {
        var index = html.IndexOf(marker, from, StringComparison.Ordinal);
        return index < 0 ? html.Length : index + marker.Length;
    }

    // The '>' that ends a tag whose name ends at 'at': a '>' inside a quoted attribute value does not.
    private static int TagEnd(string html, int at)
    {
        while (at < html.Length)
        {
            switch (html[at])
            {
                case '>':
                    return at;
                case '=':
                    at++;
                    while (at < html.Length && char.IsWhiteSpace(html[at]))
                    {
                        at++;
                    }

                    if (at < html.Length && html[at] is '"' or '\'')
                    {
                        var close = html.IndexOf(html[at], at + 1);
                        if (close < 0)
                        {
                            return -1;
                        }

                        at = close + 1;
                        continue;
                    }

                    continue;
                default:
                    at++;
                    continue;
            }
        }

        return -1;
    }
}
