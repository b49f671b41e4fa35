using QwenRag.Cli.Bench;
using QwenRag.Core;
using QwenRag.Ingestion.Pipeline;
using QwenRag.Tests;
using Xunit.Abstractions;

namespace QwenRag.Hosting.Tests;

[Collection(CorpusCollection.Name)]
public sealed class CorpusRetrievalTests(CorpusFixture corpus, ITestOutputHelper output)
{
    [Fact]
    public void Ingest_CorpusPdfs_AllIngestedWithPages()
    {
        foreach (var outcome in corpus.PdfOutcomes)
        {
            output.WriteLine($"{outcome.DocumentName}: {outcome.Status} {outcome.Pages} pages {outcome.Chunks} chunks {outcome.Error}");
        }

        // The Epson scan is an image with no text layer: refused with its reason, the rest go on.
        var scan = Assert.Single(corpus.PdfOutcomes, outcome => outcome.Status == IngestionStatus.Failed);
        Assert.Equal("ocr-wikipedia-scan-epson.pdf", scan.DocumentName);
        Assert.Contains("no text", scan.Error, StringComparison.Ordinal);
        Assert.Equal(9, corpus.PdfOutcomes.Count(outcome => outcome.Status == IngestionStatus.Ingested));
        Assert.Equal(244, corpus.PdfOutcomes.Sum(o => o.Pages));
    }

    [Fact]
    public async Task Search_CorpusQuestions_ExpectedPageInTop5ForAtLeast85Percent()
    {
        var questions = RetrievalEvaluation.ReadQuestions(Path.Combine(TestCorpus.Root, "questions.jsonl"));
        var result = await RetrievalEvaluation.RunAsync(corpus.Query, CorpusFixture.PdfSet, questions);

        output.WriteLine($"recall@1 {result.RecallAt1:P1} recall@5 {result.RecallAt5:P1} recall@10 {result.RecallAt10:P1} MRR {result.MeanReciprocalRank:0.000}");
        foreach (var miss in result.Misses)
        {
            output.WriteLine("miss: " + miss);
        }

        Assert.Equal(questions.Count, result.Questions);
        Assert.True(result.RecallAt5 >= 0.85, $"recall@5 was {result.RecallAt5:P1}; misses: {string.Join("; ", result.Misses)}");
    }

    [Fact]
    public async Task Search_MixedFormatQuestions_ExpectedDocumentInTop5()
    {
        Assert.All(corpus.MixedOutcomes, outcome => Assert.True(outcome.Succeeded, outcome.Error));
        var questions = RetrievalEvaluation.ReadQuestions(Path.Combine(TestCorpus.Mixed, "questions.jsonl"));
        var result = await RetrievalEvaluation.RunAsync(corpus.Query, CorpusFixture.MixedSet, questions);
        output.WriteLine($"recall@1 {result.RecallAt1:P1} recall@5 {result.RecallAt5:P1} MRR {result.MeanReciprocalRank:0.000}");
        Assert.True(result.RecallAt5 >= 0.85, string.Join("; ", result.Misses));
    }

    [Fact]
    public async Task Search_Results_CarryDocumentPageSpanTextAndScore()
    {
        var response = await corpus.Query.SearchAsync(new SearchFilter(CorpusFixture.PdfSet), "YaRN attention temperature scaling", 5);

        Assert.Equal(5, response.Results.Count);
        Assert.All(response.Results, result =>
        {
            Assert.EndsWith(".pdf", result.Document, StringComparison.Ordinal);
            Assert.InRange(result.Page, 1, result.PageEnd);
            Assert.False(string.IsNullOrWhiteSpace(result.Text));
            Assert.True(Guid.TryParse(result.ChunkId, out _));
        });
        Assert.Equal("yarn.pdf", response.Results[0].Document);
        Assert.True(response.Results.Zip(response.Results.Skip(1)).All(pair => pair.First.Score >= pair.Second.Score));
    }

    [Fact]
    public async Task Search_DocumentFilter_OnlyThatDocument()
    {
        var yarn = corpus.PdfOutcomes.Single(o => o.DocumentName == "yarn.pdf");
        var filter = new SearchFilter(CorpusFixture.PdfSet) { DocumentIds = [yarn.DocumentId!] };

        var response = await corpus.Query.SearchAsync(filter, "LaTeX document class options", 10);

        Assert.NotEmpty(response.Results);
        Assert.All(response.Results, result => Assert.Equal("yarn.pdf", result.Document));
    }

    [Fact]
    public async Task Search_UnknownSet_Throws()
    {
        await Assert.ThrowsAsync<UnknownSetException>(
            () => corpus.Query.SearchAsync(new SearchFilter("no-such-set"), "anything", 5));
    }

    [Fact]
    public async Task Ask_Question_ExtractiveAnswerCitesTheAnsweringPage()
    {
        var response = await corpus.Query.AskAsync(
            CorpusFixture.PdfSet, "How many steps of linear learning-rate warmup were used when fine-tuning the YaRN Llama 2 models?");

        output.WriteLine(response.Answer);
        Assert.Equal("extractive", response.Generator);
        Assert.NotEmpty(response.Citations);
        Assert.Contains(response.Citations, c => c.Document == "yarn.pdf" && c.Page is 7 or 8);
        Assert.Contains("20", response.Answer, StringComparison.Ordinal);
    }
}
