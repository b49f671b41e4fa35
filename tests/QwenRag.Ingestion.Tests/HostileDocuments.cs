using System.IO.Compression;
using System.Text;

namespace QwenRag.Ingestion.Tests;

/// <summary>
/// Hostile files made on the spot: zip bombs are written by streaming repetitive XML into a zip entry, so a
/// gigabyte of document.xml costs the test a megabyte.
/// </summary>
internal static class HostileDocuments
{
    public const string WordNamespace = "http://schemas.openxmlformats.org/wordprocessingml/2006/main";

    private const string ContentTypes = """
        <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
        <Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>
        """;

    private const string Relationships = """
        <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
        <Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>
        """;

    private static readonly Lazy<byte[]> ParagraphBombBytes = new(() => Docx(writer =>
    {
        var paragraph = Encoding.UTF8.GetBytes("<w:p><w:r><w:t>all work and no play makes a dull document</w:t></w:r></w:p>");
        Repeat(writer, paragraph, GigabyteAndABit);
    }));

    private static readonly Lazy<byte[]> TextRunBombBytes = new(() => Docx(writer =>
    {
        writer.Write("<w:p><w:r><w:t>"u8);
        Repeat(writer, "all work and no play "u8.ToArray(), GigabyteAndABit);
        writer.Write("</w:t></w:r></w:p>"u8);
    }));

    /// <summary>Over a gigabyte of inflated XML.</summary>
    public static long GigabyteAndABit => 1100L * 1024 * 1024;

    /// <summary>A DOCX whose document.xml inflates to 1.1 GB of short paragraphs.</summary>
    public static byte[] ParagraphBomb => ParagraphBombBytes.Value;

    /// <summary>A DOCX whose document.xml is one paragraph holding a 1.1 GB text run.</summary>
    public static byte[] TextRunBomb => TextRunBombBytes.Value;

    /// <summary>A DOCX whose body is written by <paramref name="writeBody"/>, between &lt;w:body&gt; and &lt;/w:body&gt;.</summary>
    public static byte[] Docx(Action<Stream> writeBody, int extraEntries = 0)
    {
        using var buffer = new MemoryStream();
        using (var zip = new ZipArchive(buffer, ZipArchiveMode.Create, leaveOpen: true))
        {
            Write(zip, "[Content_Types].xml", ContentTypes);
            Write(zip, "_rels/.rels", Relationships);
            using (var document = zip.CreateEntry("word/document.xml", CompressionLevel.SmallestSize).Open())
            {
                document.Write(Encoding.UTF8.GetBytes($"<?xml version=\"1.0\" encoding=\"UTF-8\"?><w:document xmlns:w=\"{WordNamespace}\"><w:body>"));
                writeBody(document);
                document.Write("</w:body></w:document>"u8);
            }

            for (var i = 0; i < extraEntries; i++)
            {
                zip.CreateEntry($"customXml/item{i}.xml");
            }
        }

        return buffer.ToArray();
    }

    public static byte[] Docx(string bodyXml, int extraEntries = 0) =>
        Docx(writer => writer.Write(Encoding.UTF8.GetBytes(bodyXml)), extraEntries);

    /// <summary>
    /// The zip with every entry's declared uncompressed size (local header and central directory) replaced by
    /// <paramref name="declared"/>, as a bomb that lies about its size would.
    /// </summary>
    public static byte[] WithDeclaredSizes(byte[] zip, uint declared)
    {
        var bytes = (byte[])zip.Clone();
        for (var at = 0; at + 4 <= bytes.Length; at++)
        {
            var signature = BitConverter.ToUInt32(bytes, at);
            if (signature == 0x04034b50 && at + 26 <= bytes.Length)
            {
                BitConverter.TryWriteBytes(bytes.AsSpan(at + 22, 4), declared);
            }
            else if (signature == 0x02014b50 && at + 28 <= bytes.Length)
            {
                BitConverter.TryWriteBytes(bytes.AsSpan(at + 24, 4), declared);
            }
        }

        return bytes;
    }

    /// <summary>HTML nested <paramref name="depth"/> elements deep.</summary>
    public static string DeepHtml(int depth, string tag = "div") =>
        new StringBuilder("<!DOCTYPE html><html><body>")
            .Insert(27, $"<{tag}>", depth)
            .Append("deep text")
            .ToString();

    private static void Write(ZipArchive zip, string name, string content)
    {
        using var writer = new StreamWriter(zip.CreateEntry(name).Open(), new UTF8Encoding(false));
        writer.Write(content);
    }

    private static void Repeat(Stream writer, byte[] unit, long total)
    {
        var block = new byte[unit.Length * (64 * 1024 / unit.Length)];
        for (var i = 0; i < block.Length; i += unit.Length)
        {
            unit.CopyTo(block, i);
        }

        for (long written = 0; written < total; written += block.Length)
        {
            writer.Write(block);
        }
    }
}
