using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace QwenRag.Api.Tests;

[Collection(ApiCollection.Name)]
public sealed class AuthTests(ApiFixture fixture)
{
    /// <summary>Every endpoint that needs a key, as method and path (ids filled in from the fixture).</summary>
    public static TheoryData<string, string> ProtectedEndpoints => new()
    {
        { "GET", "/v1/me" },
        { "GET", "/v1/sets" },
        { "DELETE", "/v1/sets/no-such-set" },
        { "POST", "/v1/sets/docs/documents/{document}/reindex" },
        { "GET", "/v1/sets/docs/documents" },
        { "POST", "/v1/sets/docs/documents" },
        { "DELETE", "/v1/sets/docs/documents/{document}" },
        { "POST", "/v1/sets/docs/search" },
        { "POST", "/v1/sets/docs/ask" },
        { "GET", "/v1/jobs" },
        { "GET", "/v1/jobs/{job}" },
        { "POST", "/v1/jobs/{job}/retry" },
    };

    [Theory]
    [MemberData(nameof(ProtectedEndpoints))]
    public async Task ProtectedEndpoint_NoKey_Unauthorized(string method, string path)
    {
        using var response = await fixture.Anonymous.SendAsync(Request(method, path));

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.Unauthorized);
    }

    [Theory]
    [MemberData(nameof(ProtectedEndpoints))]
    public async Task ProtectedEndpoint_UnknownKey_Unauthorized(string method, string path)
    {
        using var viaHeader = await fixture.Client("not-a-key").SendAsync(Request(method, path));
        using var viaBearer = await fixture.Client("not-a-key", bearer: true).SendAsync(Request(method, path));

        await ProblemAssert.IsProblemAsync(viaHeader, HttpStatusCode.Unauthorized);
        await ProblemAssert.IsProblemAsync(viaBearer, HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task AdminKey_AsBearerToken_Accepted()
    {
        using var response = await fixture.Client(ApiFixture.AdminKey, bearer: true).GetAsync("/v1/sets");

        var body = await response.ReadJsonAsync(HttpStatusCode.OK);
        Assert.Contains(body.GetProperty("sets").EnumerateArray(), set => set.String("name") == ApiFixture.DocsSet);
    }

    [Fact]
    public async Task ReaderKey_AsBearerToken_CanSearch()
    {
        var results = await fixture.Client(ApiFixture.ReaderKey, bearer: true)
            .SearchResultsAsync(ApiFixture.DocsSet, new { query = "document class options" });

        Assert.NotEmpty(results);
    }

    [Fact]
    public async Task Reader_ReadEndpoints_Allowed()
    {
        using var sets = await fixture.Reader.GetAsync("/v1/sets");
        using var documents = await fixture.Reader.GetAsync($"/v1/sets/{ApiFixture.DocsSet}/documents");
        using var job = await fixture.Reader.GetAsync($"/v1/jobs/{fixture.DocsJob.String("id")}");
        using var jobs = await fixture.Reader.GetAsync($"/v1/jobs?set={ApiFixture.DocsSet}");
        using var ask = await fixture.Reader.AskAsync(ApiFixture.DocsSet, new { question = "In what year was LaTeX2e released?" });

        await sets.ReadJsonAsync(HttpStatusCode.OK);
        await documents.ReadJsonAsync(HttpStatusCode.OK);
        await job.ReadJsonAsync(HttpStatusCode.OK);
        await jobs.ReadJsonAsync(HttpStatusCode.OK);
        await ask.ReadJsonAsync(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Reader_Upload_ForbiddenAndNothingQueued()
    {
        const string set = "reader-upload";
        using var response = await fixture.Reader.UploadAsync(set, [UploadFile.Text("note.md", "# Note\n\nReaders cannot upload.")]);

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.Forbidden);
        Assert.Empty(await ListJobsAsync($"set={set}"));
    }

    [Fact]
    public async Task Reader_DeleteDocument_ForbiddenAndDocumentKept()
    {
        using var response = await fixture.Reader.DeleteAsync($"/v1/sets/{ApiFixture.DocsSet}/documents/{fixture.DocsDocumentId}");

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.Forbidden);
        Assert.Contains(await fixture.Admin.DocumentsAsync(ApiFixture.DocsSet), d => d.String("id") == fixture.DocsDocumentId);
    }

    [Fact]
    public async Task Reader_RetryJob_Forbidden()
    {
        using var response = await fixture.Reader.PostAsync($"/v1/jobs/{fixture.DocsJob.String("id")}/retry", content: null);

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task LimitedKey_OwnSet_Allowed()
    {
        var results = await fixture.Limited.SearchResultsAsync(ApiFixture.DocsSet, new { query = "document class options" });
        var documents = await fixture.Limited.DocumentsAsync(ApiFixture.DocsSet);

        Assert.NotEmpty(results);
        Assert.Single(documents);
    }

    [Fact]
    public async Task LimitedKey_OtherSet_Forbidden()
    {
        using var search = await fixture.Limited.SearchAsync(ApiFixture.MixedSet, new { query = "web server user account" });
        using var ask = await fixture.Limited.AskAsync(ApiFixture.MixedSet, new { question = "Who owns web content?" });
        using var documents = await fixture.Limited.GetAsync($"/v1/sets/{ApiFixture.MixedSet}/documents");

        await ProblemAssert.IsProblemAsync(search, HttpStatusCode.Forbidden);
        await ProblemAssert.IsProblemAsync(ask, HttpStatusCode.Forbidden);
        await ProblemAssert.IsProblemAsync(documents, HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task LimitedKey_ListSets_OnlyItsOwn()
    {
        using var limited = await fixture.Limited.GetAsync("/v1/sets");
        using var reader = await fixture.Reader.GetAsync("/v1/sets");

        var limitedNames = (await limited.ReadJsonAsync(HttpStatusCode.OK)).GetProperty("sets").EnumerateArray().Select(s => s.String("name"));
        var readerNames = (await reader.ReadJsonAsync(HttpStatusCode.OK)).GetProperty("sets").EnumerateArray().Select(s => s.String("name"));
        Assert.Equal([ApiFixture.DocsSet], limitedNames);
        Assert.Contains(ApiFixture.MixedSet, readerNames);
        Assert.Contains(ApiFixture.DocsSet, readerNames);
    }

    [Theory]
    [InlineData("/health/live")]
    [InlineData("/health/ready")]
    public async Task PublicEndpoint_NoKey_Ok(string path)
    {
        using var response = await fixture.Anonymous.GetAsync(path);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    private HttpRequestMessage Request(string method, string path)
    {
        var request = new HttpRequestMessage(
            new HttpMethod(method),
            path.Replace("{document}", fixture.DocsDocumentId, StringComparison.Ordinal)
                .Replace("{job}", fixture.DocsJob.String("id"), StringComparison.Ordinal));
        if (path.EndsWith("/search", StringComparison.Ordinal))
        {
            request.Content = JsonContent.Create(new { query = "document class" });
        }
        else if (path.EndsWith("/ask", StringComparison.Ordinal))
        {
            request.Content = JsonContent.Create(new { question = "What is LaTeX?" });
        }
        else if (method == "POST" && path.EndsWith("/documents", StringComparison.Ordinal))
        {
            request.Content = new MultipartFormDataContent { { new StringContent("# a\n\nb"), "file", "a.md" } };
        }

        return request;
    }

    private async Task<JsonElement[]> ListJobsAsync(string query)
    {
        using var response = await fixture.Admin.GetAsync($"/v1/jobs?{query}");
        var body = await response.ReadJsonAsync(HttpStatusCode.OK);
        return [.. body.GetProperty("jobs").EnumerateArray()];
    }
}
