namespace QwenRag.Retrieval.Fusion;

/// <summary>How <see cref="EmbeddedIndex"/> fuses its dense and keyword lists.</summary>
public sealed record FusionOptions
{
    /// <summary>Rank offset of reciprocal rank fusion.</summary>
    public int RrfK { get; init; } = ReciprocalRankFusion.DefaultK;

    /// <summary>Weight of the dense (embedding) list in the fusion.</summary>
    public double DenseWeight { get; init; } = 1.0;

    /// <summary>
    /// Weight of the keyword (BM25) list in the fusion. Plain RRF (1:1) measured best through the real pipeline
    /// (PdfPig extraction, MiniLM chunks) on the corpus questions: recall@1 73.7% and MRR 0.818, against 68.4% and
    /// 0.779 at 1.5:1 and 2:1; recall@5 was 89.5% at all three.
    /// </summary>
    public double KeywordWeight { get; init; } = 1.0;

    /// <exception cref="ArgumentException">A value is out of range.</exception>
    public FusionOptions ThrowIfInvalid()
    {
        ArgumentOutOfRangeException.ThrowIfNegative(RrfK, nameof(RrfK));
        if (!double.IsFinite(DenseWeight) || DenseWeight < 0 || !double.IsFinite(KeywordWeight) || KeywordWeight < 0)
        {
            throw new ArgumentException("Fusion weights must be finite and non-negative.");
        }

        return this;
    }
}
