using Microsoft.Extensions.DependencyInjection;
using Microsoft.SemanticKernel;
using Microsoft.SemanticKernel.Data;

#pragma warning disable CS0618 // SK's text-search plugins take the non-generic ITextSearch (see QwenRagTextSearch)

namespace QwenRag.SemanticKernel.Tests;

/// <summary>The retriever as SK's <see cref="ITextSearch"/>: the passages of <c>search</c>, and SK's own text-search plugins over it.</summary>
[Collection(PluginCollection.Name)]
public sealed class TextSearchTests(PluginFixture fixture)
{
    private ITextSearch TextSearch => fixture.InProcess.Services.GetRequiredService<ITextSearch>();

    [Fact]
    public async Task GetTextSearchResults_SamePassagesAsSearch()
    {
        var question = CorpusQuestion.Get("q32").Question;
        var expected = Citations.Passages(await InProcessTests.SearchAsync(fixture.InProcess, question, 4));

        var results = await TextSearch.GetTextSearchResultsAsync(question, new TextSearchOptions { Top = 4 });
        var found = await results.Results.ToListAsync();

        Assert.Equal(4, found.Count);
        Assert.Equal(expected.Select(p => p.Text), found.Select(r => r.Value.Trim()));
        Assert.Equal(
            expected.Select(p => p.PageEnd > p.Page ? $"{p.Document} p.{p.Page}-{p.PageEnd}" : $"{p.Document} p.{p.Page}"),
            found.Select(r => r.Name));
        Assert.Equal(expected.Select(p => $"{p.Document}#page={p.Page}"), found.Select(r => r.Link));
    }

    [Fact]
    public async Task GetSearchResults_SetFilterAndSkip_TheSearchResultsThemselves()
    {
        var question = CorpusQuestion.Get("q45").Question;
        var expected = Citations.Passages(await InProcessTests.SearchAsync(fixture.InProcess, question, 5));
        var options = new TextSearchOptions { Top = 3, Skip = 2, Filter = new TextSearchFilter().Equality("set", PluginFixture.Set) };

        var results = await (await TextSearch.GetSearchResultsAsync(question, options)).Results.ToListAsync();

        Assert.Equal(
            expected.Skip(2).Select(p => (p.Document, p.Page)),
            results.Cast<Core.SearchResult>().Select(r => (r.Document, r.Page)));
    }

    [Fact]
    public async Task Search_UnknownFilterField_Refused()
    {
        var options = new TextSearchOptions { Filter = new TextSearchFilter().Equality("author", "x") };

        var error = await Assert.ThrowsAsync<QwenRagException>(() => TextSearch.SearchAsync("licence", options));

        Assert.Contains("filters by 'set' only", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CreateWithGetTextSearchResults_SkPluginOverQwenRag_ReturnsThePassages()
    {
        var question = CorpusQuestion.Get("q33");
        var plugin = TextSearch.CreateWithGetTextSearchResults("SearchPlugin");
        var kernel = new Kernel(fixture.InProcess.Services, new KernelPluginCollection([plugin]));

        var result = await kernel.InvokeAsync(plugin["GetTextSearchResults"], new() { ["query"] = question.Question, ["count"] = 2 });
        var found = result.GetValue<IEnumerable<TextSearchResult>>()!.ToList();

        Assert.Equal(2, found.Count);
        Assert.Equal($"{question.Document} p.{question.Page}", found[0].Name);
        Assert.Contains(question.Answer, found[0].Value, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CreateWithSearch_SkPluginOverQwenRag_StringsWithDocumentAndPage()
    {
        var question = CorpusQuestion.Get("q33");
        var plugin = TextSearch.CreateWithSearch("SearchPlugin");

        var result = await new Kernel(fixture.InProcess.Services).InvokeAsync(plugin["Search"], new() { ["query"] = question.Question, ["count"] = 1 });
        var found = result.GetValue<IEnumerable<string>>()!.ToList();

        Assert.StartsWith($"{question.Document} p.{question.Page}: ", Assert.Single(found), StringComparison.Ordinal);
    }
}
