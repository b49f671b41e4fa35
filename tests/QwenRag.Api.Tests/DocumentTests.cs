using System.Net;
using QwenRag.Tests;

namespace QwenRag.Api.Tests;

[Collection(ApiCollection.Name)]
public sealed class DocumentTests(ApiFixture fixture)
{
    [Fact]
    public async Task ListDocuments_ReadyDocumentWithEveryField()
    {
        var document = Assert.Single(await fixture.Reader.DocumentsAsync(ApiFixture.DocsSet));

        Assert.Equal(fixture.DocsDocumentId, document.String("id"));
        Assert.Equal(ApiFixture.DocsPdf, document.String("name"));
        Assert.Equal("ready", document.String("status"));
        Assert.Equal(ApiFixture.DocsPdfPages, document.GetProperty("pages").GetInt32());
        Assert.True(document.GetProperty("chunks").GetInt32() >= ApiFixture.DocsPdfPages, $"too few chunks: {document}");
        Assert.Equal(new FileInfo(TestCorpus.Pdf(ApiFixture.DocsPdf)).Length, document.GetProperty("bytes").GetInt64());
        Assert.Empty(document.GetProperty("tags").EnumerateArray());
        Assert.InRange(document.GetProperty("ingestedAt").GetDateTimeOffset(), DateTimeOffset.UtcNow.AddHours(-1), DateTimeOffset.UtcNow.AddMinutes(1));
    }

    [Fact]
    public async Task ListDocuments_MixedSet_EveryUploadedFile()
    {
        var names = (await fixture.Reader.DocumentsAsync(ApiFixture.MixedSet)).Select(d => d.String("name"));

        Assert.Equal(ApiFixture.MixedBatch.Append(ApiFixture.TaggedMarkdown).Order(StringComparer.Ordinal), names.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task ListDocuments_UnknownSet_NotFound()
    {
        using var response = await fixture.Reader.GetAsync("/v1/sets/no-such-set/documents");

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task ListSets_CountsMatchDocuments()
    {
        using var response = await fixture.Reader.GetAsync("/v1/sets");
        var sets = (await response.ReadJsonAsync(HttpStatusCode.OK)).GetProperty("sets").EnumerateArray().ToArray();
        var document = Assert.Single(await fixture.Reader.DocumentsAsync(ApiFixture.DocsSet));

        var docs = Assert.Single(sets, s => s.String("name") == ApiFixture.DocsSet);
        Assert.Equal(1, docs.GetProperty("documents").GetInt32());
        Assert.Equal(ApiFixture.DocsPdfPages, docs.GetProperty("pages").GetInt32());
        Assert.Equal(document.GetProperty("chunks").GetInt32(), docs.GetProperty("chunks").GetInt32());
        var mixed = Assert.Single(sets, s => s.String("name") == ApiFixture.MixedSet);
        Assert.Equal(ApiFixture.MixedBatch.Length + 1, mixed.GetProperty("documents").GetInt32());
        Assert.Equal(sets.Select(s => s.String("name")).Distinct().Count(), sets.Length);
    }

    [Fact]
    public async Task DeleteDocument_ChunksGoneFromSearchAndList()
    {
        const string set = "deleting";
        var jobs = await fixture.Admin.UploadAcceptedAsync(set,
        [
            UploadFile.Text("harbour.md", "# Harbour\n\nThe harbour master keeps the tide tables in the blue cabinet beside the lighthouse door."),
            UploadFile.Text("orchard.md", "# Orchard\n\nThe orchard keeper prunes the pear trees every February before the buds open."),
        ]);
        var harbourId = (await fixture.Admin.WaitForSuccessAsync(jobs[0].String("id"))).String("documentId");
        await fixture.Admin.WaitForSuccessAsync(jobs[1].String("id"));
        var before = await fixture.Admin.SearchResultsAsync(set, new { query = "harbour master tide tables", top = 10 });
        Assert.Equal(harbourId, before[0].String("documentId"));

        using var delete = await fixture.Admin.DeleteAsync($"/v1/sets/{set}/documents/{harbourId}");

        Assert.Equal(HttpStatusCode.NoContent, delete.StatusCode);
        Assert.Empty(await delete.Content.ReadAsByteArrayAsync());
        var after = await fixture.Admin.SearchResultsAsync(set, new { query = "harbour master tide tables", top = 10 });
        Assert.NotEmpty(after);
        Assert.DoesNotContain(after, hit => hit.String("documentId") == harbourId);
        Assert.Equal(["orchard.md"], (await fixture.Admin.DocumentsAsync(set)).Select(d => d.String("name")));
        using var again = await fixture.Admin.DeleteAsync($"/v1/sets/{set}/documents/{harbourId}");
        await ProblemAssert.IsProblemAsync(again, HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task DeleteDocument_Unknown_NotFound()
    {
        using var response = await fixture.Admin.DeleteAsync($"/v1/sets/{ApiFixture.DocsSet}/documents/no-such-document");

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.NotFound);
        Assert.Single(await fixture.Admin.DocumentsAsync(ApiFixture.DocsSet));
    }

    [Fact]
    public async Task DeleteDocument_IdFromAnotherSet_NotFound()
    {
        using var response = await fixture.Admin.DeleteAsync($"/v1/sets/{ApiFixture.MixedSet}/documents/{fixture.DocsDocumentId}");

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.NotFound);
        Assert.Single(await fixture.Admin.DocumentsAsync(ApiFixture.DocsSet));
    }
}
