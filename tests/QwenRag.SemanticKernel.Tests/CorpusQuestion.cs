using System.Text.Json;
using QwenRag.Tests;

namespace QwenRag.SemanticKernel.Tests;

/// <summary>A question of <c>shared/corpus/questions.jsonl</c>: the document and page that answer it, and the answer.</summary>
public sealed record CorpusQuestion(string Id, string Question, string Document, int Page, string Answer)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static CorpusQuestion Get(string id) => File.ReadLines(Path.Combine(TestCorpus.Root, "questions.jsonl"))
        .Select(line => JsonSerializer.Deserialize<CorpusQuestion>(line, Json)!)
        .Single(question => question.Id == id);
}
