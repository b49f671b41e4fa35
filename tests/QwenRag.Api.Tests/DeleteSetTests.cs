using System.Net;

namespace QwenRag.Api.Tests;

[Collection(ApiCollection.Name)]
public sealed class DeleteSetTests(ApiFixture fixture)
{
    [Fact]
    public async Task DeleteSet_GoneFromSearchListsAndDisk()
    {
        const string set = "set-to-delete";
        var jobs = await fixture.Admin.UploadAcceptedAsync(set,
        [
            UploadFile.Text("lantern.md", "# Lantern\n\nThe lamplighter trims every lantern wick on the quay at dusk."),
            UploadFile.Text("ferry.md", "# Ferry\n\nThe ferry to the island leaves from the north pier at seven."),
        ]);
        var ids = new List<string>();
        foreach (var job in jobs)
        {
            ids.Add((await fixture.Admin.WaitForSuccessAsync(job.String("id"))).String("documentId"));
        }

        Assert.NotEmpty(await fixture.Admin.SearchResultsAsync(set, new { query = "lamplighter lantern wick" }));
        Assert.Contains(await SetNamesAsync(), name => name == set);
        Assert.All(ids, id => Assert.NotEmpty(Originals(id)));

        using var delete = await fixture.Admin.DeleteAsync($"/v1/sets/{set}");

        Assert.Equal(HttpStatusCode.NoContent, delete.StatusCode);
        Assert.Empty(await delete.Content.ReadAsByteArrayAsync());
        Assert.DoesNotContain(await SetNamesAsync(), name => name == set);
        using var search = await fixture.Admin.SearchAsync(set, new { query = "lamplighter lantern wick" });
        await ProblemAssert.IsProblemAsync(search, HttpStatusCode.NotFound);
        using var documents = await fixture.Admin.GetAsync($"/v1/sets/{set}/documents");
        await ProblemAssert.IsProblemAsync(documents, HttpStatusCode.NotFound);
        Assert.All(ids, id => Assert.Empty(Originals(id)));
        using var again = await fixture.Admin.DeleteAsync($"/v1/sets/{set}");
        await ProblemAssert.IsProblemAsync(again, HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task DeleteSet_ThenUploadAgain_SetComesBack()
    {
        const string set = "set-reborn";
        var first = Assert.Single(await fixture.Admin.UploadAcceptedAsync(set, [UploadFile.Text("bell.md", "# Bell\n\nThe chapel bell rings at noon.")]));
        await fixture.Admin.WaitForSuccessAsync(first.String("id"));
        using var delete = await fixture.Admin.DeleteAsync($"/v1/sets/{set}");
        Assert.Equal(HttpStatusCode.NoContent, delete.StatusCode);

        var second = Assert.Single(await fixture.Admin.UploadAcceptedAsync(set, [UploadFile.Text("bell.md", "# Bell\n\nThe chapel bell rings at noon.")]));
        await fixture.Admin.WaitForSuccessAsync(second.String("id"));

        var hit = Assert.Single(await fixture.Admin.SearchResultsAsync(set, new { query = "chapel bell noon" }));
        Assert.Equal("bell.md", hit.String("document"));
    }

    [Fact]
    public async Task DeleteSet_UnknownSet_NotFoundProblem()
    {
        using var response = await fixture.Admin.DeleteAsync("/v1/sets/no-such-set");

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.NotFound, requireDetail: true);
    }

    [Fact]
    public async Task DeleteSet_InvalidName_BadRequestProblem()
    {
        using var response = await fixture.Admin.DeleteAsync("/v1/sets/-bad-");

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task DeleteSet_Reader_ForbiddenAndSetKept()
    {
        using var reader = await fixture.Reader.DeleteAsync($"/v1/sets/{ApiFixture.DocsSet}");
        using var limited = await fixture.Limited.DeleteAsync($"/v1/sets/{ApiFixture.DocsSet}");

        await ProblemAssert.IsProblemAsync(reader, HttpStatusCode.Forbidden);
        await ProblemAssert.IsProblemAsync(limited, HttpStatusCode.Forbidden);
        Assert.Single(await fixture.Admin.DocumentsAsync(ApiFixture.DocsSet));
    }

    [Fact]
    public async Task DeleteSet_AdminKeyLimitedToAnotherSet_ForbiddenAndSetKept()
    {
        using var response = await fixture.LimitedAdmin.DeleteAsync($"/v1/sets/{ApiFixture.MixedSet}");

        var problem = await ProblemAssert.IsProblemAsync(response, HttpStatusCode.Forbidden, requireDetail: true);
        Assert.Contains(ApiFixture.MixedSet, problem.String("detail"), StringComparison.Ordinal);
        Assert.Equal(ApiFixture.MixedBatch.Length + 1, (await fixture.Admin.DocumentsAsync(ApiFixture.MixedSet)).Length);
    }

    [Fact]
    public async Task DeleteSet_NoKey_Unauthorized()
    {
        using var response = await fixture.Anonymous.DeleteAsync($"/v1/sets/{ApiFixture.DocsSet}");

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.Unauthorized);
        Assert.Single(await fixture.Admin.DocumentsAsync(ApiFixture.DocsSet));
    }

    private async Task<string[]> SetNamesAsync()
    {
        using var response = await fixture.Admin.GetAsync("/v1/sets");
        var body = await response.ReadJsonAsync(HttpStatusCode.OK);
        return [.. body.GetProperty("sets").EnumerateArray().Select(s => s.String("name"))];
    }

    private string[] Originals(string documentId)
    {
        var originals = Path.Combine(fixture.DataDirectory, "originals");
        return Directory.Exists(originals) ? Directory.GetFiles(originals, documentId + "*", SearchOption.AllDirectories) : [];
    }
}
