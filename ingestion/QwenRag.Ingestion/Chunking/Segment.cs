namespace QwenRag.Ingestion.Chunking;

/// <summary>A sentence, or a piece of an over-long one, with its token count measured once and the heading it is under.</summary>
internal readonly record struct Segment(string Text, int Page, int Tokens, SegmentJoin Join, string? Heading)
{
    public string Separator => Join switch
    {
        SegmentJoin.Paragraph => "\n\n",
        SegmentJoin.Line => "\n",
        SegmentJoin.Space => " ",
        _ => "",
    };
}
