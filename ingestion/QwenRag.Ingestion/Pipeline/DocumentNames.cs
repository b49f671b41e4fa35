using System.Globalization;
using System.Text;

namespace QwenRag.Ingestion.Pipeline;

/// <summary>
/// Turns whatever name a client sent into a display name: no directories; no control, format (bidi overrides and
/// isolates, LRM/RLM/ALM, zero-width characters, BOM, soft hyphen), private-use, unassigned or lone-surrogate
/// characters, so that a name shows what it is (<c>invoice\u202Efdp.exe.pdf</c> becomes <c>invoicefdp.exe.pdf</c>);
/// runs of whitespace (line and paragraph separators included) as one space; at most <see cref="MaxLength"/> UTF-16
/// code units, shortened before the extension so that the type survives, never splitting a surrogate pair.
/// </summary>
public static class DocumentNames
{
    /// <summary>The longest name, in UTF-16 code units (what .NET's string length counts).</summary>
    public const int MaxLength = 255;

    // An extension longer than this is not one a supported type has; the name is then cut at its end.
    private const int MaxExtensionLength = 16;

    public static string Clean(string? fileName)
    {
        var name = (fileName ?? string.Empty).Replace('\\', '/');
        name = name[(name.LastIndexOf('/') + 1)..];
        name = Visible(name);
        if (name is "" or "." or "..")
        {
            name = "unnamed";
        }

        return Shorten(name);
    }

    private static string Visible(string name)
    {
        var text = new StringBuilder(name.Length);
        var pendingSpace = false;
        foreach (var rune in EnumerateRunes(name))
        {
            if (Rune.IsWhiteSpace(rune))
            {
                pendingSpace = text.Length > 0;
                continue;
            }

            if (!IsShown(rune))
            {
                continue;
            }

            if (pendingSpace)
            {
                text.Append(' ');
                pendingSpace = false;
            }

            text.Append(rune.ToString());
        }

        return text.ToString();
    }

    private static bool IsShown(Rune rune) => Rune.GetUnicodeCategory(rune) switch
    {
        UnicodeCategory.Control or UnicodeCategory.Format or UnicodeCategory.PrivateUse or UnicodeCategory.OtherNotAssigned
            or UnicodeCategory.Surrogate or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator => false,
        _ => true,
    };

    // Lone surrogates come out as U+FFFD from Rune enumeration; they carry nothing to show, so they are dropped.
    private static IEnumerable<Rune> EnumerateRunes(string name)
    {
        for (var i = 0; i < name.Length;)
        {
            if (Rune.DecodeFromUtf16(name.AsSpan(i), out var rune, out var consumed) == System.Buffers.OperationStatus.Done)
            {
                yield return rune;
            }

            i += consumed;
        }
    }

    private static string Shorten(string name)
    {
        if (name.Length <= MaxLength)
        {
            return name;
        }

        var dot = name.LastIndexOf('.');
        var extension = dot > 0 && name.Length - dot <= MaxExtensionLength ? name[dot..] : string.Empty;
        var stem = name[..(name.Length - extension.Length)];
        var keep = MaxLength - extension.Length;
        if (char.IsHighSurrogate(stem[keep - 1]))
        {
            keep--;
        }

        return stem[..keep].TrimEnd() + extension;
    }
}
