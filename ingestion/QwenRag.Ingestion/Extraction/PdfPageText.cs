using System.Text;
using System.Text.RegularExpressions;

namespace QwenRag.Ingestion.Extraction;

/// <summary>Cleans the text PdfPig reads off one page: ligatures, line-end hyphenation, whitespace.</summary>
internal static partial class PdfPageText
{
    public static string Clean(string raw)
    {
        // NFKC folds ligatures (ﬁ, ﬂ, ﬃ) and presentation forms into plain letters.
        var text = TextLayout.Normalize(raw.Normalize(NormalizationForm.FormKC));
        return LineEndHyphen().Replace(text, "$1$2");
    }

    // "exam-\nple" -> "example": a hyphen after two letters at a line end, the next line going on in lower case.
    // Capitalised continuations ("babel-\nPaket") are real compounds and keep their hyphen.
    [GeneratedRegex(@"(\p{L}\p{Ll})-\n(\p{Ll})")]
    private static partial Regex LineEndHyphen();
}
