using System.Net;
using System.Text;
using System.Text.Json;
using QwenRag.Tests;

namespace QwenRag.Api.Tests;

/// <summary>What an upload checks before it queues anything, and the names it shows.</summary>
[Collection(ApiCollection.Name)]
public sealed class UploadCheckTests(ApiFixture fixture)
{
    [Theory]
    [InlineData("empty.txt")]
    [InlineData("empty.pdf")]
    [InlineData("empty.docx")]
    public async Task Upload_EmptyFile_BadRequestAtOnceAndNothingQueued(string name)
    {
        var set = "check-empty-" + Path.GetExtension(name).TrimStart('.');

        using var response = await fixture.Admin.UploadAsync(set, [UploadFile.Text("fine.md", "# Fine\n\nText."), new UploadFile(name, [])]);

        var problem = await ProblemAssert.IsProblemAsync(response, HttpStatusCode.BadRequest, requireDetail: true);
        Assert.Contains("empty", problem.String("detail"), StringComparison.Ordinal);
        Assert.Empty(await JobsAsync(set));
    }

    public static TheoryData<string, byte[]> Impostors => new()
    {
        { "report.pdf", Encoding.ASCII.GetBytes("This is not a PDF at all, just text with a .pdf name.") },
        { "report.pdf", File.ReadAllBytes(TestCorpus.MixedFile("systemd-distro-porting.docx")) },
        { "letter.docx", Encoding.ASCII.GetBytes("<w:document>not a zip</w:document>") },
        { "letter.docx", File.ReadAllBytes(TestCorpus.Pdf("lppl-1.3c.pdf")) },
        { "notes.md", File.ReadAllBytes(TestCorpus.MixedFile("systemd-distro-porting.docx")) },
        { "page.html", [0x7F, 0x45, 0x4C, 0x46, 0x02, 0x01, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x3E, 0x00, 0x01, 0x00] },
    };

    [Theory]
    [MemberData(nameof(Impostors))]
    public async Task Upload_BytesNotOfTheNamedType_UnsupportedMediaTypeAtOnceAndNothingQueued(string name, byte[] content)
    {
        var set = $"check-impostor-{Path.GetExtension(name).TrimStart('.')}-{content.Length}";

        using var response = await fixture.Admin.UploadAsync(set, [UploadFile.Text("fine.md", "# Fine\n\nText."), new UploadFile(name, content)]);

        var problem = await ProblemAssert.IsProblemAsync(response, HttpStatusCode.UnsupportedMediaType, requireDetail: true);
        Assert.Contains(name, problem.String("detail"), StringComparison.Ordinal);
        Assert.Empty(await JobsAsync(set));
    }

    [Fact]
    public async Task Upload_PdfWithLeadingJunk_Accepted()
    {
        const string set = "check-pdf-junk";
        var pdf = await File.ReadAllBytesAsync(TestCorpus.Pdf("lppl-1.3c.pdf"));

        var job = Assert.Single(await fixture.Admin.UploadAcceptedAsync(set, [new UploadFile("junk.pdf", [.. "junk\r\n"u8, .. pdf], "application/pdf")]));

        Assert.Equal("junk.pdf", job.String("document"));
    }

    [Fact]
    public async Task Upload_NameWithBidiOverrideAndInvisibles_CleanedInJobAndDocumentList()
    {
        const string set = "check-bidi";
        var content = await File.ReadAllBytesAsync(TestCorpus.Pdf("lppl-1.3c.pdf"));

        var job = Assert.Single(await fixture.Admin.UploadAcceptedAsync(
            set, [new UploadFile("invoice\u202efdp.exe\u200b\u2066.pdf", content, "application/pdf")]));
        var done = await fixture.Admin.WaitForSuccessAsync(job.String("id"));

        Assert.Equal("invoicefdp.exe.pdf", job.String("document"));
        Assert.Equal("invoicefdp.exe.pdf", done.String("document"));
        Assert.Equal("invoicefdp.exe.pdf", Assert.Single(await fixture.Admin.DocumentsAsync(set)).String("name"));
    }

    [Fact]
    public async Task Upload_300CharacterName_ShortenedKeepingPdfAndIngested()
    {
        const string set = "check-long-name";
        var content = await File.ReadAllBytesAsync(TestCorpus.Pdf("lppl-1.3c.pdf"));
        var name = new string('l', 296) + ".pdf";

        var job = Assert.Single(await fixture.Admin.UploadAcceptedAsync(set, [new UploadFile(name, content, "application/octet-stream")]));
        var done = await fixture.Admin.WaitForSuccessAsync(job.String("id"));

        var expected = new string('l', 251) + ".pdf";
        Assert.Equal(expected, job.String("document"));
        Assert.Equal(expected, Assert.Single(await fixture.Admin.DocumentsAsync(set)).String("name"));
        Assert.Equal(expected, done.String("document"));
    }

    private async Task<JsonElement[]> JobsAsync(string set)
    {
        using var response = await fixture.Admin.GetAsync($"/v1/jobs?set={Uri.EscapeDataString(set)}");
        var body = await response.ReadJsonAsync(HttpStatusCode.OK);
        return [.. body.GetProperty("jobs").EnumerateArray()];
    }
}
