using System.Net;
using QwenRag.Core;
using QwenRag.Ingestion.Catalog;

namespace QwenRag.Api.Tests;

/// <summary>A set recorded with another embedding model than the server's: a 409 problem naming both, never results.</summary>
[Collection(ApiCollection.Name)]
public sealed class SetEmbeddingModelTests(ApiFixture fixture)
{
    [Fact]
    public async Task SearchAndAsk_SetOfAnotherModel_ConflictNamingBothModelsAndTheFix()
    {
        var catalog = new DocumentCatalog(new DataDirectory(fixture.DataDirectory));
        var own = catalog.FindSetEmbedding(ApiFixture.DocsSet)!;
        Assert.Equal("snowflake-arctic-embed-xs", own.Model);
        using (var sets = await fixture.Reader.GetAsync("/v1/sets"))
        {
            var docs = Assert.Single((await sets.ReadJsonAsync(HttpStatusCode.OK)).GetProperty("sets").EnumerateArray(), s => s.String("name") == ApiFixture.DocsSet);
            Assert.Equal(own.Model, docs.String("embeddingModel"));
        }

        // As if the set had been built by a server running all-MiniLM-L6-v2 (same 384 dimensions).
        catalog.SwitchModel(ApiFixture.DocsSet, "all-MiniLM-L6-v2", 384);
        try
        {
            using var search = await fixture.Reader.SearchAsync(ApiFixture.DocsSet, new { query = "tables" });
            var problem = await ProblemAssert.IsProblemAsync(search, HttpStatusCode.Conflict, requireDetail: true);
            var detail = problem.String("detail");
            Assert.Contains("indexed with embedding model all-MiniLM-L6-v2, but this process embeds with snowflake-arctic-embed-xs", detail, StringComparison.Ordinal);
            Assert.Contains("qwenrag reindex --set docs --embedding snowflake-arctic-embed-xs", detail, StringComparison.Ordinal);

            using var ask = await fixture.Reader.AskAsync(ApiFixture.DocsSet, new { question = "How are tables made?" });
            await ProblemAssert.IsProblemAsync(ask, HttpStatusCode.Conflict, requireDetail: true);
            using var streaming = await fixture.Reader.AskStreamingAsync(ApiFixture.DocsSet, new { question = "How are tables made?" });
            await ProblemAssert.IsProblemAsync(streaming, HttpStatusCode.Conflict, requireDetail: true);
        }
        finally
        {
            catalog.SwitchModel(ApiFixture.DocsSet, own.Model, own.Dimensions);
        }

        Assert.NotEmpty(await fixture.Reader.SearchResultsAsync(ApiFixture.DocsSet, new { query = "tables" }));
    }
}
