using System.Text.Json;
using QwenRag.Core;
using QwenRag.Retrieval.Answering;
using QwenRag.Retrieval.Embeddings;
using QwenRag.Retrieval.Fusion;
using Xunit.Abstractions;

namespace QwenRag.Retrieval.Tests;

public sealed class ExtractiveCorpusEvalTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Eval_Corpus_Prints()
    {
        if (!File.Exists("/tmp/pdfdump/chunks.jsonl"))
        {
            return;
        }

        using var db = new KeywordTestDatabase();
        var keywords = db.OpenIndex();
        var chunks = File.ReadLines("/tmp/pdfdump/chunks.jsonl").Select(line => JsonDocument.Parse(line).RootElement)
            .Select(e => new ChunkRecord(e.GetProperty("id").GetString()!, "docs", e.GetProperty("document").GetString()!, e.GetProperty("document").GetString()!, 0, e.GetProperty("page").GetInt32(), e.GetProperty("page").GetInt32(), e.GetProperty("text").GetString()!, [])).ToList();
        using var embeddings = new MiniLmEmbeddingGenerator();
        var vectors = new ListVectorStore();
        await keywords.UpsertAsync(chunks);
        var sw = System.Diagnostics.Stopwatch.StartNew();
        var generated = await embeddings.GenerateAsync(chunks.Select(c => c.Text));
        output.WriteLine($"embedded {chunks.Count} in {sw.Elapsed}");
        await vectors.UpsertAsync(chunks.Select((c, i) => new ChunkVector(c, generated[i].Vector)).ToList());
        var filter = new SearchFilter("docs");
        var questions = File.ReadLines("/tmp/pdfdump/questions.jsonl").Select(line => JsonDocument.Parse(line).RootElement).ToList();
        bool Gold(JsonElement q, string document, int pageNo) => document == q.GetProperty("document").GetString() && (q.GetProperty("page").ValueKind != JsonValueKind.Number || pageNo == q.GetProperty("page").GetInt32());
        foreach (var (dw, kw, k) in new[] { (1.0, 1.0, 60), (0.5, 1.0, 60), (1.0, 2.0, 60), (1.0, 1.0, 10), (1.0, 1.5, 30), (0.7, 1.0, 20) })
        {
            var retriever = new HybridRetriever(embeddings, vectors, keywords, new HybridRetrieverOptions { DenseWeight = dw, KeywordWeight = kw, RrfK = k });
            int h1 = 0, h5 = 0; double mrr = 0;
            foreach (var q in questions)
            {
                var hits = await retriever.SearchAsync(q.GetProperty("question").GetString()!, 10, filter);
                var r = hits.Select((h, i) => (h, i)).FirstOrDefault(x => Gold(q, x.h.Chunk.DocumentName, x.h.Chunk.PageStart), (null!, 98)).Item2 + 1;
                h1 += r == 1 ? 1 : 0; h5 += r <= 5 ? 1 : 0; mrr += r <= 10 ? 1.0 / r : 0;
            }

            output.WriteLine($"retriever dw={dw} kw={kw} k={k}: @1={h1} @5={h5} mrr={mrr / questions.Count:F3}");
        }

        var baseRetriever = new HybridRetriever(embeddings, vectors, keywords);
        var sources = new List<IReadOnlyList<ScoredChunk>>();
        foreach (var q in questions)
        {
            sources.Add(await baseRetriever.SearchAsync(q.GetProperty("question").GetString()!, 5, filter));
        }

        static string Norm(string s) => string.Join(' ', s.ToLowerInvariant().Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
        foreach (var options in new[]
        {
            new ExtractiveAnswererOptions(),
            new ExtractiveAnswererOptions { SemanticWeight = 0.4, KeywordWeight = 0.6 },
            new ExtractiveAnswererOptions { SemanticWeight = 0.8, KeywordWeight = 0.2 },
            new ExtractiveAnswererOptions { SemanticWeight = 0.5, KeywordWeight = 0.5 },
            new ExtractiveAnswererOptions { SourceRankBoost = 0.1 },
            new ExtractiveAnswererOptions { SourceRankBoost = 0 },
            new ExtractiveAnswererOptions { MaxSentences = 2 },
            new ExtractiveAnswererOptions { RelativeThreshold = 0.9 },
            new ExtractiveAnswererOptions { MaxSentenceCharacters = 250 },
        })
        {
            var answerer = new ExtractiveAnswerer(embeddings, options);
            int answered = 0, cited = 0, length = 0;
            for (var i = 0; i < questions.Count; i++)
            {
                var q = questions[i];
                var response = await answerer.CollectAsync(q.GetProperty("question").GetString()!, sources[i]);
                var expected = Norm(q.GetProperty("answer").GetString()!);
                answered += Norm(response.Answer).Contains(expected, StringComparison.Ordinal) ? 1 : 0;
                cited += response.Citations.Any(c => Gold(q, c.Document, c.Page)) ? 1 : 0;
                length += response.Answer.Length;
                if (options == new ExtractiveAnswererOptions())
                {
                    output.WriteLine($"  {q.GetProperty("id")}: {response.Answer}");
                }
            }

            output.WriteLine($"answerer {options}: answered={answered} cited={cited} avgLen={length / questions.Count}");
        }
    }
}
