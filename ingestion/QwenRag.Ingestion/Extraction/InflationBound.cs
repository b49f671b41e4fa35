namespace QwenRag.Ingestion.Extraction;

/// <summary>
/// A zip entry's stream that counts the bytes actually inflated, because a zip's declared sizes can lie: past
/// <see cref="ExtractionLimits.MaxUncompressedBytes"/>, or past <see cref="ExtractionLimits.MaxCompressionRatio"/>
/// times the whole package, it throws instead of inflating further. It also bounds each XML tag: the XML reader
/// streams text but holds a whole tag (name and attributes) in memory.
/// </summary>
internal sealed class InflationBound(Stream inner, string entryName, long packageBytes, string fileName, ExtractionLimits limits)
    : Stream
{
    private readonly long _maxByRatio = (long)Math.Min(
        (double)limits.MaxCompressionRatio * Math.Max(packageBytes, DocxExtractor.RatioCheckedFromBytes), long.MaxValue);

    private const int MaxTagBytes = 1024 * 1024;

    private long _read;
    private bool _inTag;
    private byte _quote;
    private long _tagBytes;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => _read;
        set => throw new NotSupportedException();
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        var read = inner.Read(buffer);
        _read += read;
        if (_read > limits.MaxUncompressedBytes)
        {
            throw DocxExtractor.InflatesTooFar(fileName, limits);
        }

        if (_read > _maxByRatio)
        {
            throw DocxExtractor.CompressedTooWell(fileName, entryName, _read / Math.Max(packageBytes, 1), limits);
        }

        ScanTags(buffer[..read]);
        return read;
    }

    private void ScanTags(ReadOnlySpan<byte> bytes)
    {
        while (!bytes.IsEmpty)
        {
            int at;
            if (!_inTag)
            {
                at = bytes.IndexOf((byte)'<');
                if (at < 0)
                {
                    return;
                }

                _inTag = true;
                _tagBytes = 0;
                bytes = bytes[(at + 1)..];
                continue;
            }
            else if (_quote != 0)
            {
                at = bytes.IndexOf(_quote);
                _quote = at < 0 ? _quote : (byte)0;
            }
            else
            {
                at = bytes.IndexOfAny((byte)'"', (byte)'\'', (byte)'>');
                if (at >= 0)
                {
                    _quote = bytes[at] == '>' ? (byte)0 : bytes[at];
                    _inTag = bytes[at] != '>';
                }
            }

            _tagBytes += at < 0 ? bytes.Length : at + 1;
            if (_tagBytes > MaxTagBytes)
            {
                throw new DocumentRejectedException(
                    fileName, DocumentRejectionReason.OverLimit, $"the DOCX package's {entryName} has an XML tag longer than {MaxTagBytes / (1024 * 1024)} MB");
            }

            if (at < 0)
            {
                return;
            }

            bytes = bytes[(at + 1)..];
        }
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            inner.Dispose();
        }

        base.Dispose(disposing);
    }
}
