namespace QwenRag.Cli.Bench;

/// <summary>One line of a questions file: a question and where its answer is (document and 1-based page; no page for formats without pages).</summary>
internal sealed record RetrievalQuestion(string Id, string Question, string Document, int? Page, string? Answer = null);
