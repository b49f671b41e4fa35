using System.Net;
using System.Text;

namespace QwenRag.Api.Tests;

[Collection(ApiCollection.Name)]
public sealed class SearchTests(ApiFixture fixture)
{
    [Fact]
    public async Task Search_DefaultTop_FiveResultsWithEveryField()
    {
        var results = await fixture.Reader.SearchResultsAsync(ApiFixture.DocsSet, new { query = "In what year was LaTeX2e released?" });

        Assert.Equal(5, results.Length);
        foreach (var hit in results)
        {
            Assert.Equal(ApiFixture.DocsPdf, hit.String("document"));
            Assert.Equal(fixture.DocsDocumentId, hit.String("documentId"));
            var page = hit.GetProperty("page").GetInt32();
            Assert.InRange(page, 1, ApiFixture.DocsPdfPages);
            Assert.InRange(hit.GetProperty("pageEnd").GetInt32(), page, ApiFixture.DocsPdfPages);
            Assert.False(string.IsNullOrWhiteSpace(hit.String("text")));
            Assert.False(string.IsNullOrWhiteSpace(hit.String("chunkId")));
        }

        var scores = results.Select(hit => hit.GetProperty("score").GetDouble()).ToArray();
        Assert.Equal(scores.OrderDescending(), scores);
        Assert.Equal(results.Length, results.Select(hit => hit.String("chunkId")).Distinct().Count());
        Assert.Contains(results, hit => hit.String("text").Contains("1994", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(100)]
    public async Task Search_Top_LimitsResults(int top)
    {
        var results = await fixture.Reader.SearchResultsAsync(ApiFixture.DocsSet, new { query = "page layout and margins", top });

        var chunks = (await fixture.Reader.DocumentsAsync(ApiFixture.DocsSet))[0].GetProperty("chunks").GetInt32();
        Assert.Equal(Math.Min(top, chunks), results.Length);
    }

    [Fact]
    public async Task Search_FilterDocuments_OnlyThoseDocuments()
    {
        var id = fixture.MixedDocumentIds["users-and-groups.html"];

        var results = await fixture.Reader.SearchResultsAsync(
            ApiFixture.MixedSet, new { query = "cpupower frequency governor", top = 10, filter = new { documents = new[] { id } } });

        Assert.NotEmpty(results);
        Assert.All(results, hit => Assert.Equal(id, hit.String("documentId")));
    }

    [Fact]
    public async Task Search_FilterTags_OnlyTaggedDocuments()
    {
        var results = await fixture.Reader.SearchResultsAsync(
            ApiFixture.MixedSet, new { query = "web server user account", top = 10, filter = new { tags = new[] { "perf" } } });
        var untagged = await fixture.Reader.SearchResultsAsync(
            ApiFixture.MixedSet, new { query = "web server user account", top = 10, filter = new { tags = new[] { "no-such-tag" } } });

        Assert.NotEmpty(results);
        Assert.All(results, hit => Assert.Equal(ApiFixture.TaggedMarkdown, hit.String("document")));
        Assert.Empty(untagged);
    }

    [Fact]
    public async Task Search_UnknownSet_NotFound()
    {
        using var response = await fixture.Reader.SearchAsync("no-such-set", new { query = "anything" });

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Search_InvalidSetName_ValidationProblem()
    {
        using var response = await fixture.Reader.SearchAsync("bad name!", new { query = "anything" });

        await ProblemAssert.IsValidationProblemAsync(response, "set");
    }

    [Theory]
    [InlineData(0)]
    [InlineData(101)]
    [InlineData(-1)]
    public async Task Search_TopOutOfRange_ValidationProblem(int top)
    {
        using var response = await fixture.Reader.SearchAsync(ApiFixture.DocsSet, new { query = "document classes", top });

        await ProblemAssert.IsValidationProblemAsync(response, "top");
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData(null)]
    public async Task Search_BlankQuery_ValidationProblem(string? query)
    {
        using var response = await fixture.Reader.SearchAsync(ApiFixture.DocsSet, new { query, top = 5 });

        await ProblemAssert.IsValidationProblemAsync(response, "query");
    }

    [Fact]
    public async Task Search_NoQueryProperty_ValidationProblem()
    {
        using var response = await fixture.Reader.SearchAsync(ApiFixture.DocsSet, new { top = 5 });

        await ProblemAssert.IsValidationProblemAsync(response, "query");
    }

    [Theory]
    [InlineData("{\"query\": ")]
    [InlineData("{\"query\": \"x\", \"top\": \"many\"}")]
    [InlineData("not json")]
    public async Task Search_MalformedJson_BadRequestProblem(string body)
    {
        using var content = new StringContent(body, Encoding.UTF8, "application/json");

        using var response = await fixture.Reader.PostAsync($"/v1/sets/{ApiFixture.DocsSet}/search", content);

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task Search_TextPlainBody_UnsupportedMediaType()
    {
        using var content = new StringContent("{\"query\":\"document classes\"}", Encoding.UTF8, "text/plain");

        using var response = await fixture.Reader.PostAsync($"/v1/sets/{ApiFixture.DocsSet}/search", content);

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.UnsupportedMediaType);
    }
}
