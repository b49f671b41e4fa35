namespace QwenRag.Retrieval.Answering;

/// <summary>How <see cref="ExtractiveAnswerer"/> picks sentences.</summary>
public sealed record ExtractiveAnswererOptions
{
    /// <summary>How many of the best sources are read for sentences.</summary>
    public int MaxSources { get; init; } = 5;

    /// <summary>At most this many sentences make the answer.</summary>
    public int MaxSentences { get; init; } = 3;

    /// <summary>Shorter sentences (headings, captions, fragments) are not quoted.</summary>
    public int MinSentenceCharacters { get; init; } = 25;

    /// <summary>Longer sentences (usually tables or lists without full stops) are cut at word boundaries.</summary>
    public int MaxSentenceCharacters { get; init; } = 400;

    /// <summary>Bound on the sentences embedded per question.</summary>
    public int MaxCandidateSentences { get; init; } = 160;

    /// <summary>Weight of the cosine similarity between sentence and question embeddings.</summary>
    public double SemanticWeight { get; init; } = 0.4;

    /// <summary>Weight of the share of the question's words (weighted by rarity) that the sentence contains.</summary>
    public double KeywordWeight { get; init; } = 0.6;

    /// <summary>Bonus for sentences of the best source, falling linearly to 0 for the last source read.</summary>
    public double SourceRankBoost { get; init; } = 0.05;

    /// <summary>Sentences after the best one must score at least this share of its score.</summary>
    public double RelativeThreshold { get; init; } = 0.8;

    /// <summary>Candidate sentences embedded per answer, the best by word overlap; the rest are not scored.</summary>
    public int MaxEmbeddedSentences { get; init; } = 40;

    /// <summary>
    /// Answers that embed their sentences at once; more wait. Each one already spreads over the embedding session's
    /// threads, so more at a time only adds contention (default: a quarter of the processors, at least one).
    /// </summary>
    public int MaxConcurrentAnswers { get; init; } = Math.Max(1, Environment.ProcessorCount / 4);

    /// <summary>Questions allowed to wait for a turn; one more is refused (HTTP 429) instead of queued without bound.</summary>
    public int MaxQueuedAnswers { get; init; } = 64;
}
