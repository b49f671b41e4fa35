using System.Net;
using System.Text.Json;
using QwenRag.Tests;

namespace QwenRag.Api.Tests;

[Collection(ApiCollection.Name)]
public sealed class UploadTests(ApiFixture fixture)
{
    [Fact]
    public void Upload_OneFile_QueuedJobNamesTheDocument()
    {
        var job = fixture.DocsQueuedJob;

        Assert.False(string.IsNullOrWhiteSpace(job.String("id")));
        Assert.Equal(ApiFixture.DocsPdf, job.String("document"));
        Assert.Equal("queued", job.String("status"));
    }

    [Fact]
    public void Upload_SeveralFileParts_OneQueuedJobPerFileInOrder()
    {
        Assert.Equal(ApiFixture.MixedBatch, fixture.MixedBatchJobs.Select(job => job.String("document")));
        Assert.All(fixture.MixedBatchJobs, job => Assert.Equal("queued", job.String("status")));
        Assert.Equal(fixture.MixedBatchJobs.Count, fixture.MixedBatchJobs.Select(job => job.String("id")).Distinct().Count());
    }

    [Fact]
    public async Task Upload_Succeeded_DocumentListedWithTagsAndSearchable()
    {
        var documents = await fixture.Admin.DocumentsAsync(ApiFixture.MixedSet);

        var tagged = Assert.Single(documents, d => d.String("name") == ApiFixture.TaggedMarkdown);
        Assert.Equal(["howto", "perf"], tagged.GetProperty("tags").EnumerateArray().Select(t => t.GetString()).Order(StringComparer.Ordinal));
        Assert.All(
            documents.Where(d => ApiFixture.MixedBatch.Contains(d.String("name"))),
            d => Assert.Equal(["reference"], d.GetProperty("tags").EnumerateArray().Select(t => t.GetString())));
        var results = await fixture.Admin.SearchResultsAsync(ApiFixture.MixedSet, new { query = "cpupower frequency-set governor performance" });
        Assert.Equal(ApiFixture.TaggedMarkdown, results[0].String("document"));
    }

    [Fact]
    public async Task Upload_NoFilePart_BadRequest()
    {
        const string set = "no-file";
        var form = new MultipartFormDataContent { { new StringContent("perf"), "tags" } };

        using var response = await fixture.Admin.PostAsync($"/v1/sets/{set}/documents", form);

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.Empty(await ListJobsAsync(set));
    }

    [Fact]
    public async Task Upload_FilePartUnderAnotherName_BadRequest()
    {
        const string set = "wrong-part";
        var form = new MultipartFormDataContent { { new StringContent("# a\n\nSome text."), "document", "a.md" } };

        using var response = await fixture.Admin.PostAsync($"/v1/sets/{set}/documents", form);

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.Empty(await ListJobsAsync(set));
    }

    [Theory]
    [InlineData("tool.exe")]
    [InlineData("slides.pptx")]
    public async Task Upload_UnsupportedType_UnsupportedMediaTypeAndNothingQueued(string name)
    {
        var set = "unsupported-" + Path.GetExtension(name).TrimStart('.');

        using var response = await fixture.Admin.UploadAsync(
            set, [UploadFile.Text("fine.md", "# Fine\n\nThis part alone would be accepted."), new UploadFile(name, [0x4D, 0x5A, 0x90, 0x00, 1, 2, 3])]);

        var problem = await ProblemAssert.IsProblemAsync(response, HttpStatusCode.UnsupportedMediaType, requireDetail: true);
        Assert.Contains(name, problem.String("detail"), StringComparison.Ordinal);
        Assert.Empty(await ListJobsAsync(set));
    }

    [Fact]
    public async Task Upload_PartOverLimit_PayloadTooLargeAndNothingQueued()
    {
        const string set = "too-large";
        var big = new byte[ApiFixture.MaxUploadBytes + 1];
        Array.Fill(big, (byte)'a');

        using var response = await fixture.Admin.UploadAsync(
            set, [UploadFile.Text("small.md", "# Small\n\nFits easily."), new UploadFile("big.txt", big, "text/plain")]);

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.RequestEntityTooLarge);
        Assert.Empty(await ListJobsAsync(set));
    }

    [Fact]
    public async Task Upload_PartJustUnderLimit_Accepted()
    {
        const string set = "under-limit";
        // Mostly blank lines, so the worker has almost nothing to embed afterwards.
        var text = "The quick brown fox jumps over the lazy dog.".PadRight(ApiFixture.MaxUploadBytes - 100, '\n');

        var job = Assert.Single(await fixture.Admin.UploadAcceptedAsync(set, [UploadFile.Text("long.txt", text)]));

        Assert.Equal("long.txt", job.String("document"));
    }

    [Theory]
    [InlineData("bad name!")]
    [InlineData("-leading-dash")]
    [InlineData("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")]
    public async Task Upload_InvalidSetName_ValidationProblem(string set)
    {
        using var response = await fixture.Admin.UploadAsync(set, [UploadFile.Text("a.md", "# A\n\nText.")]);

        await ProblemAssert.IsValidationProblemAsync(response, "set");
    }

    [Fact]
    public async Task Upload_SetNameOf64Characters_Accepted()
    {
        var set = new string('b', 64);

        var job = Assert.Single(await fixture.Admin.UploadAcceptedAsync(set, [UploadFile.Text("a.md", "# A\n\nSixty-four is the limit.")]));

        Assert.Equal(set, (await fixture.Admin.WaitForSuccessAsync(job.String("id"))).String("set"));
    }

    [Fact]
    public async Task Upload_PathInFileName_StoredUnderBaseNameOnly()
    {
        const string set = "traversal";
        var content = await File.ReadAllBytesAsync(TestCorpus.Pdf("lppl-1.3c.pdf"));

        var job = Assert.Single(await fixture.Admin.UploadAcceptedAsync(set, [new UploadFile("../../evil.pdf", content, "application/pdf")]));
        var done = await fixture.Admin.WaitForSuccessAsync(job.String("id"));

        Assert.Equal("evil.pdf", job.String("document"));
        Assert.Equal("evil.pdf", done.String("document"));
        var document = Assert.Single(await fixture.Admin.DocumentsAsync(set));
        Assert.Equal("evil.pdf", document.String("name"));
        Assert.Equal(content.Length, document.GetProperty("bytes").GetInt64());
        var root = Path.GetFullPath(fixture.DataDirectory);
        Assert.False(File.Exists(Path.Combine(root, "..", "evil.pdf")));
        Assert.False(File.Exists(Path.Combine(root, "..", "..", "evil.pdf")));
        Assert.False(File.Exists(Path.Combine(root, "originals", "..", "..", "evil.pdf")));
        Assert.All(
            Directory.EnumerateFiles(Path.GetDirectoryName(root)!, "evil.pdf", SearchOption.TopDirectoryOnly),
            path => Assert.Fail($"escaped the data directory: {path}"));
    }

    private async Task<JsonElement[]> ListJobsAsync(string set)
    {
        using var response = await fixture.Admin.GetAsync($"/v1/jobs?set={Uri.EscapeDataString(set)}");
        var body = await response.ReadJsonAsync(HttpStatusCode.OK);
        return [.. body.GetProperty("jobs").EnumerateArray()];
    }
}
