using System.Net;
using System.Text.Json;
using Microsoft.SemanticKernel;
using QwenRag.Tests;
using Xunit.Abstractions;

namespace QwenRag.SemanticKernel.Tests;

/// <summary><c>upload</c> and <c>delete_document</c>: there only when opted in, and reading only inside the upload folders.</summary>
[Collection(PluginCollection.Name)]
public sealed class AdminFunctionTests(PluginFixture fixture, ITestOutputHelper output)
{
    private const string UploadSet = "uploaded";
    private const string Cv = "europecv-greek-utf8.pdf";

    [Fact]
    public void Functions_WithoutOptIn_ReadOnly()
    {
        Assert.Equal(["ask", "search", "list_sets", "list_documents"], fixture.InProcess.Plugins["qwenrag"].Select(f => f.Name));
        Assert.Equal(
            ["ask", "search", "list_sets", "list_documents", "upload", "delete_document"],
            fixture.RemoteAdmin.Plugins["qwenrag"].Select(f => f.Name));
    }

    [Fact]
    public async Task UploadThenDelete_InProcess_WaitsReportsAndRemoves()
    {
        var kernel = AdminKernel();

        var json = await kernel.InvokeAsync<string>("qwenrag", "upload", new() { ["path"] = Cv, ["set"] = UploadSet });
        output.WriteLine(json);

        var upload = JsonDocument.Parse(json!).RootElement;
        Assert.Equal("succeeded", upload.GetProperty("status").GetString());
        Assert.Equal(Cv, upload.GetProperty("document").GetString());
        var documents = JsonDocument.Parse((await kernel.InvokeAsync<string>("qwenrag", "list_documents", new() { ["set"] = UploadSet }))!)
            .RootElement.GetProperty("documents");
        var listed = Assert.Single(documents.EnumerateArray());
        Assert.Equal(upload.GetProperty("documentId").GetString(), listed.GetProperty("id").GetString());
        Assert.Equal(listed.GetProperty("pages").GetInt32(), upload.GetProperty("pages").GetInt32());
        Assert.Equal(listed.GetProperty("chunks").GetInt32(), upload.GetProperty("chunks").GetInt32());
        Assert.True(upload.GetProperty("chunks").GetInt32() > 0);
        var search = await InProcessTests.SearchAsync(kernel, CorpusQuestion.Get("q51").Question, 1, UploadSet);
        Assert.StartsWith($"[1] {Cv} p.1", search, StringComparison.Ordinal);

        var deleted = await kernel.InvokeAsync<string>("qwenrag", "delete_document", new() { ["document"] = Cv, ["set"] = UploadSet });

        Assert.Equal(
            $$"""{"deleted":"{{Cv}}","id":"{{listed.GetProperty("id").GetString()}}","set":"{{UploadSet}}"}""", deleted);
        Assert.DoesNotContain(UploadSet, await kernel.InvokeAsync<string>("qwenrag", "list_sets"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Upload_OutsideTheUploadFolder_RefusedWithoutSayingWhetherItExists()
    {
        var kernel = AdminKernel();

        var missing = await Assert.ThrowsAsync<QwenRagException>(() =>
            kernel.InvokeAsync("qwenrag", "upload", new() { ["path"] = "/etc/no-such-file", ["set"] = UploadSet }));
        var present = await Assert.ThrowsAsync<QwenRagException>(() =>
            kernel.InvokeAsync("qwenrag", "upload", new() { ["path"] = "../questions.jsonl", ["set"] = UploadSet }));

        Assert.Equal(HttpStatusCode.Forbidden, present.Status);
        Assert.Equal(missing.Message, present.Message);
        Assert.StartsWith("Upload refused: only files inside the upload folder", present.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Upload_NoUploadFolder_Refused()
    {
        var kernel = fixture.InProcessWith(new QwenRagPluginOptions { IncludeAdminFunctions = true, DefaultSet = UploadSet });

        var error = await Assert.ThrowsAsync<QwenRagException>(() =>
            kernel.InvokeAsync("qwenrag", "upload", new() { ["path"] = TestCorpus.Pdf(Cv) }));

        Assert.Contains("no upload folder is configured", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Delete_UnknownDocument_NotFoundNamingListDocuments()
    {
        var error = await Assert.ThrowsAsync<QwenRagException>(() =>
            fixture.RemoteAdmin.InvokeAsync("qwenrag", "delete_document", new() { ["document"] = "nothing.pdf" }));

        Assert.Equal(HttpStatusCode.NotFound, error.Status);
        Assert.Equal($"Set '{PluginFixture.Set}' has no document 'nothing.pdf'. Call list_documents to see the set's documents and their ids.", error.Message);
    }

    private Kernel AdminKernel()
    {
        var options = new QwenRagPluginOptions { IncludeAdminFunctions = true };
        options.UploadFolders.Add(TestCorpus.Pdfs);
        return fixture.InProcessWith(options);
    }
}
