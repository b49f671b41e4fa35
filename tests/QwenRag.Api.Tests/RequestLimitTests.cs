using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace QwenRag.Api.Tests;

/// <summary>Every request field is bounded; an answer over a limit is a 4xx problem that names the setting.</summary>
[Collection(ApiCollection.Name)]
public sealed class RequestLimitTests(ApiFixture fixture)
{
    private static readonly ApiOptions Defaults = new();

    [Fact]
    public async Task Upload_HugeTagsField_PayloadTooLargeNamingTheLimitAndNothingQueued()
    {
        const string set = "limit-huge-tags";
        var form = new MultipartFormDataContent
        {
            { new StringContent("# a\n\nb"), "file", "a.md" },
            { new StringContent(string.Join(',', Enumerable.Repeat("t", 10 * 1024 * 1024))), "tags" },
        };

        using var response = await fixture.Admin.PostAsync($"/v1/sets/{set}/documents", form);

        await AssertLimitProblemAsync(response, HttpStatusCode.RequestEntityTooLarge, nameof(ApiOptions.MaxFormFieldBytes));
        Assert.Empty(await JobsAsync(set));
    }

    [Fact]
    public async Task Upload_TooManyTags_ValidationProblemNamingTheLimit()
    {
        const string set = "limit-many-tags";
        var tags = Enumerable.Range(0, Defaults.MaxTags + 1).Select(i => $"t{i}");

        using var response = await fixture.Admin.UploadAsync(set, [UploadFile.Text("a.md", "# a\n\nb")], [string.Join(',', tags)]);

        var problem = await ProblemAssert.IsValidationProblemAsync(response, "tags");
        Assert.Contains("QwenRag:Api:MaxTags", problem.GetProperty("errors").GetProperty("tags")[0].GetString(), StringComparison.Ordinal);
        Assert.Empty(await JobsAsync(set));
    }

    [Fact]
    public async Task Upload_OverlongTag_ValidationProblemNamingTheLimit()
    {
        const string set = "limit-long-tag";

        using var response = await fixture.Admin.UploadAsync(
            set, [UploadFile.Text("a.md", "# a\n\nb")], [new string('x', Defaults.MaxTagLength + 1)]);

        var problem = await ProblemAssert.IsProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.Contains("QwenRag:Api:MaxTagLength", problem.GetProperty("errors").ToString(), StringComparison.Ordinal);
        Assert.Empty(await JobsAsync(set));
    }

    [Fact]
    public async Task Upload_TooManyFiles_BadRequestNamingTheLimitAndNothingQueued()
    {
        const string set = "limit-many-files";
        var files = Enumerable.Range(0, Defaults.MaxFilesPerUpload + 1).Select(i => UploadFile.Text($"f{i}.md", $"# F{i}\n\nText."));

        using var response = await fixture.Admin.UploadAsync(set, files);

        await AssertLimitProblemAsync(response, HttpStatusCode.BadRequest, nameof(ApiOptions.MaxFilesPerUpload));
        Assert.Empty(await JobsAsync(set));
        Assert.Empty(Directory.EnumerateFiles(Path.Combine(fixture.DataDirectory, "uploads", "incoming")));
    }

    [Fact]
    public async Task Upload_TooManyParts_BadRequestNamingTheLimit()
    {
        const string set = "limit-many-parts";
        var form = new MultipartFormDataContent { { new StringContent("# a\n\nb"), "file", "a.md" } };
        for (var i = 0; i < Defaults.MaxUploadParts; i++)
        {
            form.Add(new StringContent("x"), $"field{i}");
        }

        using var response = await fixture.Admin.PostAsync($"/v1/sets/{set}/documents", form);

        await AssertLimitProblemAsync(response, HttpStatusCode.BadRequest, nameof(ApiOptions.MaxUploadParts));
        Assert.Empty(await JobsAsync(set));
    }

    [Fact]
    public async Task Search_FilterWith40000Documents_ValidationProblemNamingTheLimit()
    {
        var ids = Enumerable.Range(0, 40_000).Select(i => i.ToString("x32", System.Globalization.CultureInfo.InvariantCulture)).ToArray();

        using var response = await fixture.Reader.SearchAsync(ApiFixture.DocsSet, new { query = "document class", filter = new { documents = ids } });

        // 40,000 ids are ~1.4 MB of JSON: over the body limit before the count is even looked at.
        await AssertLimitProblemAsync(response, HttpStatusCode.RequestEntityTooLarge, nameof(ApiOptions.MaxJsonBodyBytes));
    }

    [Fact]
    public async Task Search_FilterOverDocumentCount_ValidationProblemNamingTheLimit()
    {
        var ids = Enumerable.Range(0, Defaults.MaxFilterDocuments + 1).Select(i => $"d{i}").ToArray();

        using var response = await fixture.Reader.SearchAsync(ApiFixture.DocsSet, new { query = "document class", filter = new { documents = ids } });

        var problem = await ProblemAssert.IsValidationProblemAsync(response, "filter.documents");
        Assert.Contains("QwenRag:Api:MaxFilterDocuments", problem.GetProperty("errors").ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Search_FilterWith2000Tags_ValidationProblemNamingTheLimit()
    {
        var tags = Enumerable.Range(0, 2000).Select(i => $"t{i}").ToArray();

        using var response = await fixture.Reader.SearchAsync(ApiFixture.DocsSet, new { query = "document class", filter = new { tags } });

        var problem = await ProblemAssert.IsValidationProblemAsync(response, "filter.tags");
        Assert.Contains("QwenRag:Api:MaxFilterTags", problem.GetProperty("errors").ToString(), StringComparison.Ordinal);
        Assert.Single(problem.GetProperty("errors").EnumerateObject()); // one error for the flood, not one per tag
    }

    [Fact]
    public async Task Search_FilterAtTheLimits_Ok()
    {
        var ids = Enumerable.Range(0, Defaults.MaxFilterDocuments - 1).Select(i => $"d{i}").Append(fixture.DocsDocumentId).ToArray();
        var tags = Enumerable.Range(0, Defaults.MaxFilterTags).Select(i => $"t{i}").ToArray();

        var byDocument = await fixture.Reader.SearchResultsAsync(ApiFixture.DocsSet, new { query = "document class", filter = new { documents = ids } });
        var byTag = await fixture.Reader.SearchResultsAsync(ApiFixture.DocsSet, new { query = "document class", filter = new { tags } });

        Assert.NotEmpty(byDocument);
        Assert.Empty(byTag);
    }

    [Theory]
    [InlineData("search")]
    [InlineData("ask")]
    public async Task Query_OverLength_ValidationProblemNamingTheLimit(string endpoint)
    {
        var text = new string('q', Defaults.MaxQueryLength + 1);
        object body = endpoint == "search" ? new { query = text } : new { question = text };

        using var response = await fixture.Reader.PostAsync(
            $"/v1/sets/{ApiFixture.DocsSet}/{endpoint}", new StringContent(JsonSerializer.Serialize(body), Encoding.UTF8, "application/json"));

        var problem = await ProblemAssert.IsProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.Contains("QwenRag:Api:MaxQueryLength", problem.GetProperty("errors").ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("search", false)]
    [InlineData("ask", false)]
    [InlineData("search", true)]
    [InlineData("ask", true)]
    public async Task JsonBody_OverLimit_PayloadTooLargeNamingTheLimit(string endpoint, bool chunked)
    {
        var json = Encoding.UTF8.GetBytes($$"""{"query":"a","question":"a","padding":"{{new string(' ', Defaults.MaxJsonBodyBytes)}}"}""");
        HttpContent content = chunked ? new StreamContent(new MemoryStream(json)) : new ByteArrayContent(json);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/v1/sets/{ApiFixture.DocsSet}/{endpoint}") { Content = content };
        request.Headers.TransferEncodingChunked = chunked;

        using var response = await fixture.Reader.SendAsync(request);

        await AssertLimitProblemAsync(response, HttpStatusCode.RequestEntityTooLarge, nameof(ApiOptions.MaxJsonBodyBytes));
    }

    private static async Task AssertLimitProblemAsync(HttpResponseMessage response, HttpStatusCode status, string setting)
    {
        var problem = await ProblemAssert.IsProblemAsync(response, status, requireDetail: true);
        Assert.Equal(ApiOptions.Key(setting), problem.String("limit"));
        Assert.Contains(ApiOptions.Key(setting), problem.String("detail"), StringComparison.Ordinal);
    }

    private async Task<JsonElement[]> JobsAsync(string set)
    {
        using var response = await fixture.Admin.GetAsync($"/v1/jobs?set={Uri.EscapeDataString(set)}");
        var body = await response.ReadJsonAsync(HttpStatusCode.OK);
        return [.. body.GetProperty("jobs").EnumerateArray()];
    }
}
