using System.Net;
using System.Text.Json;

namespace QwenRag.Api.Tests;

[Collection(ApiCollection.Name)]
public sealed class JobTests(ApiFixture fixture)
{
    private const string CorruptPdf = "%PDF-1.7\n1 0 obj << /Type /Catalog >> this is not really a PDF\n";

    [Fact]
    public async Task GetJob_Succeeded_HasEveryField()
    {
        using var response = await fixture.Reader.GetAsync($"/v1/jobs/{fixture.DocsJob.String("id")}");
        var job = await response.ReadJsonAsync(HttpStatusCode.OK);

        Assert.Equal(fixture.DocsQueuedJob.String("id"), job.String("id"));
        Assert.Equal(ApiFixture.DocsSet, job.String("set"));
        Assert.Equal(ApiFixture.DocsPdf, job.String("document"));
        Assert.Equal("succeeded", job.String("status"));
        Assert.Equal(1.0, job.GetProperty("progress").GetDouble());
        Assert.Equal(JsonValueKind.Null, job.GetProperty("error").ValueKind);
        Assert.False(string.IsNullOrWhiteSpace(job.String("documentId")));
        Assert.True(job.GetProperty("attempts").GetInt32() >= 1);
        var created = job.GetProperty("createdAt").GetDateTimeOffset();
        var updated = job.GetProperty("updatedAt").GetDateTimeOffset();
        Assert.True(created <= updated, $"createdAt {created} after updatedAt {updated}");
        Assert.InRange(created, DateTimeOffset.UtcNow.AddHours(-1), DateTimeOffset.UtcNow.AddMinutes(1));
    }

    [Fact]
    public async Task GetJob_Unknown_NotFound()
    {
        using var response = await fixture.Admin.GetAsync("/v1/jobs/no-such-job");

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task CorruptPdf_JobFailsNamingFile_RetryRequeuesAndFailsAgain()
    {
        const string set = "corrupt";
        var queued = Assert.Single(await fixture.Admin.UploadAcceptedAsync(set, [UploadFile.Text("broken.pdf", CorruptPdf)]));
        var id = queued.String("id");

        var failed = await fixture.Admin.WaitForJobAsync(id);
        Assert.Equal("failed", failed.String("status"));
        Assert.Contains("broken.pdf", failed.String("error"), StringComparison.Ordinal);
        Assert.Equal(JsonValueKind.Null, failed.GetProperty("documentId").ValueKind);
        var firstAttempts = failed.GetProperty("attempts").GetInt32();
        Assert.True(firstAttempts >= 1);

        using var retry = await fixture.Admin.PostAsync($"/v1/jobs/{id}/retry", content: null);
        var requeued = await retry.ReadJsonAsync(HttpStatusCode.Accepted);
        Assert.Equal(id, requeued.String("id"));
        Assert.Equal("queued", requeued.String("status"));

        var failedAgain = await fixture.Admin.WaitForJobAsync(id);
        Assert.Equal("failed", failedAgain.String("status"));
        Assert.Contains("broken.pdf", failedAgain.String("error"), StringComparison.Ordinal);
        Assert.True(failedAgain.GetProperty("attempts").GetInt32() > firstAttempts, $"attempts not counted: {failedAgain}");
        using var documents = await fixture.Admin.GetAsync($"/v1/sets/{set}/documents");
        await ProblemAssert.IsProblemAsync(documents, HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task ListJobs_BySetAndStatus_Filters()
    {
        const string set = "failing";
        var queued = Assert.Single(await fixture.Admin.UploadAcceptedAsync(set, [UploadFile.Text("bad.pdf", CorruptPdf)]));
        var id = queued.String("id");
        Assert.Equal("failed", (await fixture.Admin.WaitForJobAsync(id)).String("status"));

        var failed = await ListAsync($"set={set}&status=failed");
        var succeeded = await ListAsync($"set={set}&status=succeeded");
        var otherSet = await ListAsync($"set={ApiFixture.DocsSet}&status=failed");
        var docs = await ListAsync($"set={ApiFixture.DocsSet}");

        var job = Assert.Single(failed);
        Assert.Equal(id, job.String("id"));
        Assert.Equal(set, job.String("set"));
        Assert.Equal("bad.pdf", job.String("document"));
        Assert.Empty(succeeded);
        Assert.DoesNotContain(otherSet, j => j.String("id") == id);
        Assert.All(docs, j => Assert.Equal(ApiFixture.DocsSet, j.String("set")));
        Assert.Contains(docs, j => j.String("id") == fixture.DocsJob.String("id"));
    }

    [Fact]
    public async Task ListJobs_NoFilter_IncludesEverySet()
    {
        var jobs = await ListAsync(string.Empty);

        Assert.Contains(jobs, j => j.String("id") == fixture.DocsJob.String("id"));
        Assert.Contains(jobs, j => j.String("set") == ApiFixture.MixedSet);
    }

    [Fact]
    public async Task Retry_SucceededJob_Conflict()
    {
        using var response = await fixture.Admin.PostAsync($"/v1/jobs/{fixture.DocsJob.String("id")}/retry", content: null);

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.Conflict);
        using var after = await fixture.Admin.GetAsync($"/v1/jobs/{fixture.DocsJob.String("id")}");
        Assert.Equal("succeeded", (await after.ReadJsonAsync(HttpStatusCode.OK)).String("status"));
    }

    [Fact]
    public async Task Retry_UnknownJob_NotFound()
    {
        using var response = await fixture.Admin.PostAsync("/v1/jobs/no-such-job/retry", content: null);

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.NotFound);
    }

    private async Task<JsonElement[]> ListAsync(string query)
    {
        using var response = await fixture.Admin.GetAsync($"/v1/jobs?{query}");
        var body = await response.ReadJsonAsync(HttpStatusCode.OK);
        return [.. body.GetProperty("jobs").EnumerateArray()];
    }
}
