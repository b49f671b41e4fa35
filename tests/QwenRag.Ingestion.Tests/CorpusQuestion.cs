namespace QwenRag.Ingestion.Tests;

/// <summary>One line of a corpus questions.jsonl file.</summary>
internal sealed record CorpusQuestion(string Id, string Question, string Document, int? Page, string Answer, bool Hard);
