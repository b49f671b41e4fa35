namespace QwenRag.Ingestion.Chunking;

/// <summary>What separated a segment from the one before it in the source text.</summary>
internal enum SegmentJoin
{
    /// <summary>Nothing: the two are pieces of one over-long word.</summary>
    Glued,
    Space,
    Line,
    Paragraph,
}
