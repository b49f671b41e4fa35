using System.Net;
using System.Text.Json;

namespace QwenRag.Api.Tests;

[Collection(ApiCollection.Name)]
public sealed class AskTests(ApiFixture fixture)
{
    public const string Question = "In what year was LaTeX2e released?";

    [Fact]
    public async Task Ask_Json_ExtractiveAnswerWithCitations()
    {
        using var response = await fixture.Reader.AskAsync(ApiFixture.DocsSet, new { question = Question });
        var answer = await response.ReadJsonAsync(HttpStatusCode.OK);

        Assert.Equal("extractive", answer.String("generator"));
        Assert.Contains("1994", answer.String("answer"), StringComparison.Ordinal);
        var citations = answer.GetProperty("citations").EnumerateArray().ToArray();
        Assert.NotEmpty(citations);
        foreach (var citation in citations)
        {
            Assert.Equal(ApiFixture.DocsPdf, citation.String("document"));
            Assert.InRange(citation.GetProperty("page").GetInt32(), 1, ApiFixture.DocsPdfPages);
            Assert.False(string.IsNullOrWhiteSpace(citation.String("chunkId")));
            Assert.InRange(citation.GetProperty("pageEnd").GetInt32(), citation.GetProperty("page").GetInt32(), ApiFixture.DocsPdfPages);
            Assert.False(string.IsNullOrWhiteSpace(citation.String("text")));
        }

        var searched = await fixture.Reader.SearchResultsAsync(ApiFixture.DocsSet, new { query = Question, top = 8 });
        Assert.All(citations, c => Assert.Contains(searched, hit => hit.String("chunkId") == c.String("chunkId")));
        Assert.All(citations, c => Assert.Contains(
            searched, hit => hit.String("chunkId") == c.String("chunkId") && hit.String("text") == c.String("text")));
    }

    [Fact]
    public async Task Ask_TopAndMaxTokens_Honoured()
    {
        using var small = await fixture.Reader.AskAsync(ApiFixture.DocsSet, new { question = Question, top = 1, maxTokens = 1 });
        using var large = await fixture.Reader.AskAsync(ApiFixture.DocsSet, new { question = Question, top = 100, maxTokens = 4096 });
        var smallAnswer = await small.ReadJsonAsync(HttpStatusCode.OK);
        var largeAnswer = await large.ReadJsonAsync(HttpStatusCode.OK);

        var top1 = await fixture.Reader.SearchResultsAsync(ApiFixture.DocsSet, new { query = Question, top = 1 });
        Assert.All(
            smallAnswer.GetProperty("citations").EnumerateArray(),
            c => Assert.Equal(top1[0].String("chunkId"), c.String("chunkId")));
        Assert.True(
            smallAnswer.String("answer").Length <= largeAnswer.String("answer").Length,
            $"maxTokens 1 gave a longer answer than 4096: '{smallAnswer.String("answer")}' vs '{largeAnswer.String("answer")}'");
    }

    [Fact]
    public async Task Ask_UnknownSet_NotFound()
    {
        using var response = await fixture.Reader.AskAsync("no-such-set", new { question = Question });

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.NotFound);
    }

    [Theory]
    [InlineData("question", "{\"question\":\"\"}")]
    [InlineData("question", "{\"question\":\"  \\t \"}")]
    [InlineData("question", "{\"top\":3}")]
    [InlineData("top", "{\"question\":\"What is LaTeX?\",\"top\":0}")]
    [InlineData("top", "{\"question\":\"What is LaTeX?\",\"top\":101}")]
    [InlineData("maxTokens", "{\"question\":\"What is LaTeX?\",\"maxTokens\":0}")]
    [InlineData("maxTokens", "{\"question\":\"What is LaTeX?\",\"maxTokens\":4097}")]
    public async Task Ask_Invalid_ValidationProblem(string field, string body)
    {
        using var content = new StringContent(body, System.Text.Encoding.UTF8, "application/json");

        using var response = await fixture.Reader.PostAsync($"/v1/sets/{ApiFixture.DocsSet}/ask", content);

        await ProblemAssert.IsValidationProblemAsync(response, field);
    }

    [Fact]
    public async Task Ask_MalformedJson_BadRequestProblem()
    {
        using var content = new StringContent("{\"question\": [", System.Text.Encoding.UTF8, "application/json");

        using var response = await fixture.Reader.PostAsync($"/v1/sets/{ApiFixture.DocsSet}/ask", content);

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task Ask_Json_SameAnswerEveryTime()
    {
        using var first = await fixture.Reader.AskAsync(ApiFixture.DocsSet, new { question = Question });
        using var second = await fixture.Reader.AskAsync(ApiFixture.DocsSet, new { question = Question });

        var a = await first.ReadJsonAsync(HttpStatusCode.OK);
        var b = await second.ReadJsonAsync(HttpStatusCode.OK);
        Assert.Equal(a.String("answer"), b.String("answer"));
        Assert.Equal(Citations(a), Citations(b));
    }

    internal static string[] Citations(JsonElement answer) =>
        [.. answer.GetProperty("citations").EnumerateArray().Select(c => $"{c.String("document")}#{c.GetProperty("page").GetInt32()}#{c.String("chunkId")}")];
}
