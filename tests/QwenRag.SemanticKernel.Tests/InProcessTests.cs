using System.Net;
using System.Text.Json;
using Microsoft.SemanticKernel;
using Xunit.Abstractions;

namespace QwenRag.SemanticKernel.Tests;

/// <summary>The functions through a real <see cref="Kernel"/> over QwenRag in this process.</summary>
[Collection(PluginCollection.Name)]
public sealed class InProcessTests(PluginFixture fixture, ITestOutputHelper output)
{
    private Kernel Kernel => fixture.InProcess;

    [Fact]
    public async Task Ask_CorpusQuestion_AnswersWithCitationsOfRealPages()
    {
        var question = CorpusQuestion.Get("q31");

        var answer = await AskAsync(Kernel, question.Question);
        output.WriteLine(answer);

        var sources = Citations.Sources(answer);
        Assert.NotEmpty(sources);
        Assert.Equal(Enumerable.Range(1, sources.Count), sources.Select(source => source.Number));
        Assert.All(Citations.Markers(answer), marker => Assert.InRange(marker, 1, sources.Count));
        // Every citation is the first page of a passage of the set; one cited passage covers the page the corpus says
        // answers the question, and holds the answer (a citation names the page its passage starts on).
        var passages = Citations.Passages(await SearchAsync(Kernel, question.Question, 100));
        var cited = passages.Where(passage => sources.Any(source => source.Document == passage.Document && source.Page == passage.Page)).ToArray();
        Assert.All(sources, source => Assert.Contains(cited, passage => passage.Document == source.Document && passage.Page == source.Page));
        Assert.Contains(cited, passage => passage.Document == question.Document
            && question.Page >= passage.Page && question.Page <= passage.PageEnd
            && passage.Text.Contains(question.Answer, StringComparison.OrdinalIgnoreCase));
        Assert.Contains(question.Answer, answer, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Search_CorpusQuestion_PassagesWithDocumentPagesAndText()
    {
        var question = CorpusQuestion.Get("q33");

        var result = await SearchAsync(Kernel, question.Question, 3);
        output.WriteLine(result);

        var passages = Citations.Passages(result);
        Assert.Equal(3, passages.Count);
        Assert.All(passages, passage => Assert.Contains(passage.Document, new[] { PluginFixture.Licence, PluginFixture.Talk }));
        Assert.All(passages, passage => Assert.False(string.IsNullOrWhiteSpace(passage.Text)));
        var best = passages[0];
        Assert.Equal(question.Document, best.Document);
        Assert.InRange(question.Page, best.Page, best.PageEnd);
        Assert.Contains(question.Answer, best.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ListSets_TheSetWithItsCounts()
    {
        var json = await Kernel.InvokeAsync<string>("qwenrag", "list_sets");
        output.WriteLine(json);

        var set = Assert.Single(JsonDocument.Parse(json!).RootElement.EnumerateArray());
        Assert.Equal(PluginFixture.Set, set.GetProperty("set").GetString());
        Assert.Equal(2, set.GetProperty("documents").GetInt32());
        Assert.Equal(fixture.Ingested.Values.Sum(outcome => outcome.Pages), set.GetProperty("pages").GetInt32());
        Assert.Equal(fixture.Ingested.Values.Sum(outcome => outcome.Chunks), set.GetProperty("chunks").GetInt32());
    }

    [Fact]
    public async Task ListDocuments_IdsNamesPagesAndChunks()
    {
        var json = await Kernel.InvokeAsync<string>("qwenrag", "list_documents", new() { ["set"] = PluginFixture.Set });
        output.WriteLine(json);

        var root = JsonDocument.Parse(json!).RootElement;
        Assert.Equal(2, root.GetProperty("total").GetInt32());
        var documents = root.GetProperty("documents").EnumerateArray().ToDictionary(d => d.GetProperty("name").GetString()!);
        foreach (var (name, outcome) in fixture.Ingested)
        {
            Assert.Equal(outcome.DocumentId, documents[name].GetProperty("id").GetString());
            Assert.Equal(outcome.Pages, documents[name].GetProperty("pages").GetInt32());
            Assert.Equal(outcome.Chunks, documents[name].GetProperty("chunks").GetInt32());
            Assert.Equal("ready", documents[name].GetProperty("status").GetString());
        }
    }

    [Fact]
    public async Task Ask_UnknownSet_NotFoundThatNamesListSets()
    {
        var error = await Assert.ThrowsAsync<QwenRagException>(() =>
            Kernel.InvokeAsync("qwenrag", "ask", new() { ["question"] = "What is LPPL?", ["set"] = "no-such-set" }));

        Assert.Equal(HttpStatusCode.NotFound, error.Status);
        Assert.Contains("'no-such-set' does not exist", error.Message, StringComparison.Ordinal);
        Assert.Contains("list_sets", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(101)]
    public async Task Search_TopOutOfRange_BadRequestSayingTheRange(int top)
    {
        var error = await Assert.ThrowsAsync<QwenRagException>(() =>
            Kernel.InvokeAsync("qwenrag", "search", new() { ["query"] = "licence", ["top"] = top }));

        Assert.Equal(HttpStatusCode.BadRequest, error.Status);
        Assert.Equal($"top must be between 1 and 100 (was {top}).", error.Message);
    }

    [Fact]
    public async Task Ask_QuestionOverTheApiLimit_BadRequest()
    {
        var error = await Assert.ThrowsAsync<QwenRagException>(() =>
            Kernel.InvokeAsync("qwenrag", "ask", new() { ["question"] = new string('x', 4001) }));

        Assert.Equal(HttpStatusCode.BadRequest, error.Status);
        Assert.Contains("4001 characters long; at most 4000", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Ask_InvalidSetName_BadRequest()
    {
        var error = await Assert.ThrowsAsync<QwenRagException>(() =>
            Kernel.InvokeAsync("qwenrag", "ask", new() { ["question"] = "What?", ["set"] = "../etc" }));

        Assert.Equal(HttpStatusCode.BadRequest, error.Status);
        Assert.Contains("is not a set name", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Ask_NoSetAndNoDefault_SaysToNameOne()
    {
        var kernel = fixture.InProcessWith(new QwenRagPluginOptions());

        var error = await Assert.ThrowsAsync<QwenRagException>(() =>
            kernel.InvokeAsync("qwenrag", "ask", new() { ["question"] = "What?" }));

        Assert.Contains("Name the set to use", error.Message, StringComparison.Ordinal);
    }

    internal static async Task<string> AskAsync(Kernel kernel, string question, string? set = null) =>
        (await kernel.InvokeAsync<string>("qwenrag", "ask", new() { ["question"] = question, ["set"] = set }))!;

    internal static async Task<string> SearchAsync(Kernel kernel, string query, int top, string? set = null) =>
        (await kernel.InvokeAsync<string>("qwenrag", "search", new() { ["query"] = query, ["top"] = top, ["set"] = set }))!;
}
