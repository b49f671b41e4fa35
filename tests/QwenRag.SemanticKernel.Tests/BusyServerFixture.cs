using System.Net.Http.Headers;
using System.Net.Http.Json;
using Microsoft.SemanticKernel;
using QwenRag.Api.Tests;
using QwenRag.Tests;

namespace QwenRag.SemanticKernel.Tests;

/// <summary>
/// An open (loopback, no keys) API server answering with a tiny random Qwen model and no request allowed to wait
/// for it (<c>QwenRag:Generation:MaxBatch</c> 1 and <c>MaxQueuedRequests</c> 0), so that a question asked while it answers another is a 429;
/// one Markdown file of the corpus in <see cref="Set"/>, uploaded through the plugin.
/// </summary>
public sealed class BusyServerFixture : IAsyncLifetime
{
    public const string Set = "variance";
    public const string Document = "reducing_variance.md";
    public const string Question = "How can the variance of benchmark measurements be reduced?";

    private readonly TemporaryDirectory _directory = new();

    public ApiHost Server { get; private set; } = null!;

    public Kernel Kernel { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        var model = TinyQwenModel.Build(_directory.Path);
        Server = await ApiHost.StartAsync(
            Path.Combine(_directory.Path, "data"),
            "--QwenRag:ModelDirectory", model,
            "--QwenRag:Generation:Device", "CPU",
            "--QwenRag:Generation:MaxBatch", "1",
            "--QwenRag:Generation:MaxQueuedRequests", "0");
        var builder = Kernel.CreateBuilder();
        builder.Plugins.AddQwenRag(options =>
        {
            options.Backend = QwenRagBackendKind.Remote;
            options.ServerUrl = Server.Address;
            options.DefaultSet = Set;
            options.IncludeAdminFunctions = true;
            options.UploadFolders.Add(TestCorpus.Mixed);
        });
        Kernel = builder.Build();
        var upload = await Kernel.InvokeAsync<string>("qwenrag", "upload", new() { ["path"] = Document });
        Assert.Contains("\"status\":\"succeeded\"", upload, StringComparison.Ordinal);
    }

    /// <summary>
    /// Starts a long streamed answer and returns once its first token is out, with the scheduler paused so that the
    /// answer holds the model's only slot; disposing the hold closes the connection, which stops that answer, and
    /// lets the scheduler go on.
    /// </summary>
    public async Task<IDisposable> HoldTheModelAsync(HttpClient client)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/v1/sets/{Set}/ask")
        {
            Content = JsonContent.Create(new { question = Question, top = 2, maxTokens = 600 }),
        };
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
        var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        response.EnsureSuccessStatusCode();
        var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        while (await reader.ReadLineAsync() is { } line && line != "event: delta")
        {
        }

        return new Hold(response, await SchedulerPause.StartAsync(Server.Services));
    }

    public async Task DisposeAsync()
    {
        if (Server is not null)
        {
            await Server.DisposeAsync();
        }

        _directory.Dispose();
    }
}

/// <summary>The answer holding the model, and the pause keeping it there.</summary>
internal sealed class Hold(HttpResponseMessage response, SchedulerPause pause) : IDisposable
{
    public void Dispose()
    {
        response.Dispose();
        pause.Dispose();
    }
}

[CollectionDefinition(Name)]
public sealed class BusyServerCollection : ICollectionFixture<BusyServerFixture>
{
    public const string Name = "busy-server";
}
