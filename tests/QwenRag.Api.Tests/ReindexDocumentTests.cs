using System.Net;

namespace QwenRag.Api.Tests;

[Collection(ApiCollection.Name)]
public sealed class ReindexDocumentTests(ApiFixture fixture)
{
    [Fact]
    public async Task Reindex_Admin_OkWithTheDocumentStillSearchable()
    {
        const string set = "reindexing";
        var job = Assert.Single(await fixture.Admin.UploadAcceptedAsync(
            set, [UploadFile.Text("granary.md", "# Granary\n\nThe miller weighs each sack of barley before it enters the granary.")], ["farm"]));
        var id = (await fixture.Admin.WaitForSuccessAsync(job.String("id"))).String("documentId");
        var before = Assert.Single(await fixture.Admin.DocumentsAsync(set));

        using var response = await fixture.Admin.PostAsync($"/v1/sets/{set}/documents/{id}/reindex", content: null);

        var document = await response.ReadJsonAsync(HttpStatusCode.OK);
        Assert.Equal(id, document.String("id"));
        Assert.Equal("granary.md", document.String("name"));
        Assert.Equal("ready", document.String("status"));
        Assert.Equal(before.GetProperty("chunks").GetInt32(), document.GetProperty("chunks").GetInt32());
        Assert.Equal(before.GetProperty("pages").GetInt32(), document.GetProperty("pages").GetInt32());
        Assert.Equal(["farm"], document.GetProperty("tags").EnumerateArray().Select(tag => tag.GetString()));
        var after = Assert.Single(await fixture.Admin.DocumentsAsync(set));
        Assert.Equal("ready", after.String("status"));
        var hits = await fixture.Admin.SearchResultsAsync(set, new { query = "miller barley granary" });
        Assert.Equal(before.GetProperty("chunks").GetInt32(), hits.Length);
        Assert.All(hits, hit => Assert.Equal(id, hit.String("documentId")));
    }

    [Fact]
    public async Task Reindex_UnknownSet_NotFoundProblem()
    {
        using var response = await fixture.Admin.PostAsync($"/v1/sets/no-such-set/documents/{fixture.DocsDocumentId}/reindex", content: null);

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.NotFound, requireDetail: true);
    }

    [Fact]
    public async Task Reindex_UnknownDocument_NotFoundProblem()
    {
        using var unknown = await fixture.Admin.PostAsync($"/v1/sets/{ApiFixture.DocsSet}/documents/no-such-document/reindex", content: null);
        using var otherSet = await fixture.Admin.PostAsync($"/v1/sets/{ApiFixture.MixedSet}/documents/{fixture.DocsDocumentId}/reindex", content: null);

        await ProblemAssert.IsProblemAsync(unknown, HttpStatusCode.NotFound, requireDetail: true);
        await ProblemAssert.IsProblemAsync(otherSet, HttpStatusCode.NotFound, requireDetail: true);
    }

    [Fact]
    public async Task Reindex_Reader_Forbidden()
    {
        using var reader = await fixture.Reader.PostAsync($"/v1/sets/{ApiFixture.DocsSet}/documents/{fixture.DocsDocumentId}/reindex", content: null);
        using var limited = await fixture.Limited.PostAsync($"/v1/sets/{ApiFixture.DocsSet}/documents/{fixture.DocsDocumentId}/reindex", content: null);

        await ProblemAssert.IsProblemAsync(reader, HttpStatusCode.Forbidden);
        await ProblemAssert.IsProblemAsync(limited, HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task Reindex_AdminKeyLimitedToAnotherSet_Forbidden()
    {
        var id = fixture.MixedDocumentIds[ApiFixture.TaggedMarkdown];

        using var response = await fixture.LimitedAdmin.PostAsync($"/v1/sets/{ApiFixture.MixedSet}/documents/{id}/reindex", content: null);

        var problem = await ProblemAssert.IsProblemAsync(response, HttpStatusCode.Forbidden, requireDetail: true);
        Assert.Contains(ApiFixture.MixedSet, problem.String("detail"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Reindex_NoKey_Unauthorized()
    {
        using var response = await fixture.Anonymous.PostAsync($"/v1/sets/{ApiFixture.DocsSet}/documents/{fixture.DocsDocumentId}/reindex", content: null);

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.Unauthorized);
    }
}
