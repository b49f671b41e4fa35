using System.Text;
using System.Xml;

namespace QwenRag.Ingestion.Extraction;

/// <summary>
/// Reads the blocks of a WordprocessingML body from a stream of XML, in one pass and without building a tree:
/// a paragraph of the body (or of a block content control) is one block, a row of a body table is one block with
/// its cells joined by " | ", and a paragraph's text is its w:t text with tabs, breaks and non-breaking hyphens.
/// Every element, level and character read counts against the limits.
/// </summary>
internal sealed class DocxBodyReader(XmlReader reader, string fileName, ExtractionLimits limits, CancellationToken cancellationToken)
{
    private const string Transitional = "http://schemas.openxmlformats.org/wordprocessingml/2006/main";
    private const string Strict = "http://purl.oclc.org/ooxml/wordprocessingml/main";

    // What each open element is to the extraction, indexed by depth.
    private readonly Role[] _roles = new Role[limits.MaxNestingDepth + 2];
    private readonly string[] _names = new string[limits.MaxNestingDepth + 2];
    private readonly List<string> _blocks = [];
    private readonly char[] _chunk = new char[8192];

    // Paragraphs being read, innermost last: text goes to all of them, as a paragraph's text includes its nested ones.
    private readonly List<OpenParagraph> _paragraphs = [];

    private readonly List<(int Level, string Text)> _headings = [];

    private List<string?>? _cell;
    private List<string>? _row;
    private long _elements;
    private long _characters;

    private enum Role
    {
        Other,
        BlockContainer,
        BlockContentControl,
        BlockTable,
        Row,
        Cell,
        Paragraph,
        Text,
    }

    /// <summary>
    /// Body paragraphs in the Title style (level 0) or the Heading1 to Heading3 styles (levels 1 to 3), in order;
    /// filled by <see cref="ReadBlocks"/>.
    /// </summary>
    public IReadOnlyList<(int Level, string Text)> Headings => _headings;

    public List<string> ReadBlocks()
    {
        while (reader.Read())
        {
            switch (reader.NodeType)
            {
                case XmlNodeType.Element:
                    var empty = reader.IsEmptyElement;
                    Start(reader.Depth);
                    if (empty)
                    {
                        End(reader.Depth);
                    }

                    break;
                case XmlNodeType.EndElement:
                    End(reader.Depth);
                    break;
                case XmlNodeType.Text or XmlNodeType.CDATA or XmlNodeType.Whitespace or XmlNodeType.SignificantWhitespace
                    when reader.Depth > 0 && _roles[reader.Depth - 1] == Role.Text:
                    AppendText();
                    break;
            }
        }

        return _blocks;
    }

    private void Start(int depth)
    {
        if (depth > limits.MaxNestingDepth)
        {
            throw HtmlNesting.TooDeep(fileName, "DOCX document's XML", limits);
        }

        if (++_elements > limits.MaxDocxElements)
        {
            throw ExtractionLimits.Exceeded(
                fileName,
                $"the DOCX document's XML has more than {limits.MaxDocxElements:N0} elements",
                nameof(ExtractionLimits.MaxDocxElements));
        }

        if (_elements % 4096 == 0)
        {
            cancellationToken.ThrowIfCancellationRequested();
        }

        var name = reader.NamespaceURI is Transitional or Strict ? reader.LocalName : "";
        var parent = depth == 0 ? Role.Other : _roles[depth - 1];
        _names[depth] = name;
        _roles[depth] = RoleOf(name, parent, depth);
        switch (_roles[depth])
        {
            case Role.Row:
                _row = [];
                break;
            case Role.Cell:
                _cell = [];
                break;
            case Role.Paragraph:
                // A cell lists every paragraph inside it, nested ones too, in the order they begin.
                var slot = _cell?.Count ?? -1;
                _cell?.Add(null);
                _paragraphs.Add(new OpenParagraph(slot));
                break;
        }

        if (name == "pStyle" && depth >= 2 && _names[depth - 1] == "pPr" && _roles[depth - 2] == Role.Paragraph && _paragraphs.Count > 0)
        {
            _paragraphs[^1].HeadingLevel = HeadingLevel(reader.GetAttribute("val", reader.NamespaceURI));
        }

        if (_paragraphs.Count > 0)
        {
            switch (name)
            {
                case "tab" when depth > 0 && _names[depth - 1] != "tabs":
                case "ptab":
                    Append("\t");
                    break;
                case "br" or "cr":
                    Append("\n");
                    break;
                case "noBreakHyphen":
                    Append("-");
                    break;
            }
        }
    }

    private Role RoleOf(string name, Role parent, int depth) => (name, parent) switch
    {
        ("body", _) when depth == 1 => Role.BlockContainer,
        ("p", Role.BlockContainer) => Role.Paragraph,
        ("tbl", Role.BlockContainer) => Role.BlockTable,
        ("sdt", Role.BlockContainer) => Role.BlockContentControl,
        ("sdtContent", Role.BlockContentControl) => Role.BlockContainer,
        ("tr", Role.BlockTable) => Role.Row,
        ("tc", Role.Row) => Role.Cell,
        ("p", _) when _cell is not null || _paragraphs.Count > 0 => Role.Paragraph,
        ("t", _) when _paragraphs.Count > 0 => Role.Text,
        _ => Role.Other,
    };

    private void End(int depth)
    {
        switch (_roles[depth])
        {
            case Role.Paragraph:
                var paragraph = _paragraphs[^1];
                _paragraphs.RemoveAt(_paragraphs.Count - 1);
                var text = paragraph.Text.ToString();
                if (paragraph.CellSlot >= 0 && _cell is not null)
                {
                    _cell[paragraph.CellSlot] = text;
                }
                else if (_paragraphs.Count == 0)
                {
                    _blocks.Add(text);
                    if (paragraph.HeadingLevel >= 0 && _headings.Count < DocumentHeadings.MaxPerDocument)
                    {
                        _headings.Add((paragraph.HeadingLevel, text));
                    }
                }

                break;
            case Role.Cell when _cell is not null:
                _row?.Add(string.Join(" ", _cell).ReplaceLineEndings(" ").Trim());
                _cell = null;
                break;
            case Role.Row when _row is not null:
                _blocks.Add(string.Join(" | ", _row));
                _row = null;
                break;
        }

        _roles[depth] = Role.Other;
    }

    // In chunks: reader.Value would hold a whole text node, and one can be a gigabyte long.
    private void AppendText()
    {
        if (!reader.CanReadValueChunk)
        {
            Append(reader.Value);
            return;
        }

        int read;
        while ((read = reader.ReadValueChunk(_chunk, 0, _chunk.Length)) > 0)
        {
            Append(_chunk.AsSpan(0, read));
        }
    }

    private void Append(ReadOnlySpan<char> text)
    {
        _characters += (long)text.Length * _paragraphs.Count;
        if (_characters > limits.MaxTextCharacters)
        {
            throw DocumentBytes.TextTooLong(fileName, limits);
        }

        foreach (var paragraph in _paragraphs)
        {
            paragraph.Text.Append(text);
        }
    }

    // Style ids as Word and pandoc write them; localised Word versions may use other ids for the same styles.
    private static int HeadingLevel(string? style) => style?.ToUpperInvariant() switch
    {
        "TITLE" => 0,
        "HEADING1" => 1,
        "HEADING2" => 2,
        "HEADING3" => 3,
        _ => -1,
    };

    private sealed class OpenParagraph(int cellSlot)
    {
        public int CellSlot { get; } = cellSlot;

        public int HeadingLevel { get; set; } = -1;

        public StringBuilder Text { get; } = new();
    }
}
