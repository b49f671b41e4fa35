using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Microsoft.SemanticKernel;
using QwenRag.Tests;
using Xunit.Abstractions;

namespace QwenRag.SemanticKernel.Tests;

/// <summary>The functions through a real <see cref="Kernel"/> against a real QwenRag server on 127.0.0.1 with keys.</summary>
[Collection(PluginCollection.Name)]
public sealed class RemoteTests(PluginFixture fixture, ITestOutputHelper output)
{
    [Fact]
    public async Task Upload_Remote_WaitedForTheJobAndReportsPagesAndChunks()
    {
        foreach (var (name, json) in fixture.Uploaded)
        {
            output.WriteLine(json);
            var upload = JsonDocument.Parse(json).RootElement;
            var ingested = fixture.Ingested[name];
            Assert.Equal(name, upload.GetProperty("document").GetString());
            Assert.Equal("succeeded", upload.GetProperty("status").GetString());
            // The same bytes through the same pipeline: the server's document is the in-process one.
            Assert.Equal(ingested.DocumentId, upload.GetProperty("documentId").GetString());
            Assert.Equal(ingested.Pages, upload.GetProperty("pages").GetInt32());
            Assert.Equal(ingested.Chunks, upload.GetProperty("chunks").GetInt32());
        }
    }

    [Fact]
    public async Task AskAndSearch_ReaderKey_SameAsInProcess()
    {
        var kernel = fixture.Remote();
        var question = CorpusQuestion.Get("q31");

        var answer = await InProcessTests.AskAsync(kernel, question.Question);
        var search = await InProcessTests.SearchAsync(kernel, question.Question, 5);
        output.WriteLine(answer);

        Assert.Contains(Citations.Sources(answer), source => source.Document == question.Document && source.Page == question.Page);
        Assert.Equal(await InProcessTests.AskAsync(fixture.InProcess, question.Question), answer);
        Assert.Equal(await InProcessTests.SearchAsync(fixture.InProcess, question.Question, 5), search);
    }

    [Fact]
    public async Task ListSetsAndDocuments_ReaderKey_SameAsInProcess()
    {
        var kernel = fixture.Remote();

        Assert.Equal(
            await fixture.InProcess.InvokeAsync<string>("qwenrag", "list_sets"),
            await kernel.InvokeAsync<string>("qwenrag", "list_sets"));
        Assert.Equal(
            await fixture.InProcess.InvokeAsync<string>("qwenrag", "list_documents"),
            await kernel.InvokeAsync<string>("qwenrag", "list_documents"));
    }

    [Fact]
    public async Task Ask_WrongKey_UnauthorizedSurfaced()
    {
        var kernel = fixture.Remote("not-a-key");

        var error = await Assert.ThrowsAsync<QwenRagException>(() => InProcessTests.AskAsync(kernel, "What is the LPPL?"));

        Assert.Equal(HttpStatusCode.Unauthorized, error.Status);
        Assert.StartsWith("QwenRag refused the API key (401 Unauthorized): ", error.Message, StringComparison.Ordinal);
        Assert.Contains("X-Api-Key", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Search_KeyLimitedToAnotherSet_ForbiddenSurfaced()
    {
        var kernel = fixture.Remote(PluginFixture.LimitedKey);

        var error = await Assert.ThrowsAsync<QwenRagException>(() => InProcessTests.SearchAsync(kernel, "maintainer", 3));

        Assert.Equal(HttpStatusCode.Forbidden, error.Status);
        Assert.Equal($"Not allowed (403 Forbidden): This API key is not allowed to use set '{PluginFixture.Set}'.", error.Message);
    }

    [Fact]
    public async Task Upload_ReaderKey_ForbiddenSurfaced()
    {
        var options = new QwenRagPluginOptions { IncludeAdminFunctions = true, DefaultSet = "reader-upload" };
        options.UploadFolders.Add(TestCorpus.Pdfs);
        using var http = new HttpClient();
        QwenRagClient.Configure(http, fixture.Server.Address, PluginFixture.ReaderKey, TimeSpan.FromMinutes(1));
        var kernel = new Kernel(null, new KernelPluginCollection([QwenRagKernelPlugin.Create(new QwenRagClient(http), options)]));

        var error = await Assert.ThrowsAsync<QwenRagException>(() =>
            kernel.InvokeAsync("qwenrag", "upload", new() { ["path"] = PluginFixture.Licence }));

        Assert.Equal(HttpStatusCode.Forbidden, error.Status);
        Assert.Contains("role does not allow", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Ask_UnknownSet_NotFoundSurfaced()
    {
        var error = await Assert.ThrowsAsync<QwenRagException>(() =>
            InProcessTests.AskAsync(fixture.Remote(PluginFixture.AdminKey), "What is the LPPL?", "no-such-set"));

        Assert.Equal(HttpStatusCode.NotFound, error.Status);
        Assert.Equal("Not found (404 Not Found): Set 'no-such-set' does not exist (it has no documents). Call list_sets to see the sets that exist.", error.Message);
    }

    [Fact]
    public async Task Search_ServerValidation_BadRequestWithTheFieldErrors()
    {
        using var http = new HttpClient();
        QwenRagClient.Configure(http, fixture.Server.Address, PluginFixture.ReaderKey, TimeSpan.FromMinutes(1));
        var client = new QwenRagClient(http);

        // Past the plugin's own checks, straight to the server: its 400 keeps the field and the rule.
        var error = await Assert.ThrowsAsync<QwenRagException>(() => client.SearchAsync(PluginFixture.Set, "maintainer", 0));

        Assert.Equal(HttpStatusCode.BadRequest, error.Status);
        Assert.StartsWith("QwenRag rejected the search request (400 Bad Request): top: ", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Ask_NothingListening_CannotReachSurfaced()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();

        var error = await Assert.ThrowsAsync<QwenRagException>(() =>
            InProcessTests.AskAsync(fixture.Remote(server: new Uri($"http://127.0.0.1:{port}")), "What?"));

        Assert.Null(error.Status);
        Assert.StartsWith($"Cannot reach the QwenRag server at http://127.0.0.1:{port}/ (ask): ", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Ask_ServerNeverAnswers_TimeoutSurfaced()
    {
        // Accepts the connection and reads nothing: the request can only time out.
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        var kernel = fixture.Remote(server: new Uri($"http://127.0.0.1:{port}"), timeout: TimeSpan.FromSeconds(1));

        var error = await Assert.ThrowsAsync<QwenRagException>(() => InProcessTests.AskAsync(kernel, "What?"));

        Assert.Null(error.Status);
        Assert.StartsWith($"The QwenRag server at http://127.0.0.1:{port}/ did not answer within 1 seconds (ask).", error.Message, StringComparison.Ordinal);
    }
}
