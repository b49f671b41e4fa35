using System.Text;
using System.Text.RegularExpressions;

namespace QwenRag.Ingestion.Extraction;

/// <summary>Cleans the text PdfPig reads off one page: ligatures, TeX accents, line-end hyphenation, whitespace.</summary>
internal static partial class PdfPageText
{
    public static string Clean(string raw)
    {
        // TeX draws some accents as a separate glyph before the letter ("rˆole"); make them combining marks
        // first, because NFKC would turn the spacing forms into a space plus a mark.
        var text = SpacingAccent().Replace(raw, match => match.Groups[2].Value + CombiningFor(match.Groups[1].Value[0]));

        // NFKC composes those and folds ligatures (ﬁ, ﬂ, ﬃ) and presentation forms into plain letters.
        text = TextLayout.Normalize(text.Normalize(NormalizationForm.FormKC));
        return LineEndHyphen().Replace(text, "$1$2");
    }

    private static char CombiningFor(char accent) => accent switch
    {
        '\u02C6' => '\u0302', // circumflex
        '\u00A8' => '\u0308', // diaeresis
        '\u00B4' => '\u0301', // acute
        '\u02DC' => '\u0303', // tilde
        '\u02C7' => '\u030C', // caron
        '\u02DA' => '\u030A', // ring
        _ => '\u0306', // breve
    };

    [GeneratedRegex("([\u02C6\u00A8\u00B4\u02DC\u02C7\u02DA\u02D8])([aeiouycnsrzAEIOUYCNSRZ])")]
    private static partial Regex SpacingAccent();

    // "exam-\nple" -> "example": a hyphen after two letters at a line end, the next line going on in lower case.
    // Capitalised continuations ("babel-\nPaket") are real compounds and keep their hyphen.
    [GeneratedRegex(@"(\p{L}\p{Ll})-\n(\p{Ll})")]
    private static partial Regex LineEndHyphen();
}
