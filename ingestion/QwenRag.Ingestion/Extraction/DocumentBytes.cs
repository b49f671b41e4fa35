namespace QwenRag.Ingestion.Extraction;

/// <summary>Reads an upload into memory: the parsers need seekable input, and empty files are rejected early.</summary>
internal static class DocumentBytes
{
    public static byte[] ReadAll(Stream content, string fileName)
    {
        ArgumentNullException.ThrowIfNull(content);
        using var copy = new MemoryStream();
        content.CopyTo(copy);
        if (copy.Length == 0)
        {
            throw new DocumentRejectedException(fileName, DocumentRejectionReason.Empty, "the file is empty");
        }

        return copy.ToArray();
    }

    /// <summary>The text itself, unless it is longer than <see cref="ExtractionLimits.MaxTextCharacters"/>.</summary>
    public static string WithinTextLimit(string text, string fileName, ExtractionLimits limits) =>
        text.Length > limits.MaxTextCharacters ? throw TextTooLong(fileName, limits) : text;

    public static DocumentRejectedException TextTooLong(string fileName, ExtractionLimits limits) =>
        ExtractionLimits.Exceeded(
            fileName,
            $"the document holds more than {limits.MaxTextCharacters:N0} characters of text",
            nameof(ExtractionLimits.MaxTextCharacters));

    public static DocumentRejectedException NoText(string fileName, string kind) =>
        new DocumentRejectedException(fileName, DocumentRejectionReason.NoText, $"the {kind} contains no text");
}
