using QwenRag.Tests;

namespace QwenRag.Api.Tests;

/// <summary>
/// An open (loopback, no keys) API host that answers with a tiny random Qwen model (<see cref="TinyQwenModel"/>),
/// built once, with no request allowed to wait for it (<c>QwenRag:Generation:MaxBatch</c> 1 and <c>MaxQueuedRequests</c> 0) so that a
/// second concurrent question is refused; <see cref="Document"/> ingested into <see cref="Set"/> through the API.
/// The tests of this collection run one at a time and finish every request they start, so none finds the model busy
/// unless it means to.
/// </summary>
public sealed class QwenApiFixture : IAsyncLifetime
{
    public const string Set = "variance";
    public const string Document = "reducing_variance.md";
    public const string Question = "How can the variance of benchmark measurements be reduced?";

    private readonly TemporaryDirectory _directory = new();

    public ApiHost Host { get; private set; } = null!;

    public HttpClient Client { get; private set; } = null!;

    public string DocumentId { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        var model = TinyQwenModel.Build(_directory.Path);
        Host = await ApiHost.StartAsync(
            Path.Combine(_directory.Path, "data"),
            "--QwenRag:ModelDirectory", model,
            "--QwenRag:Generation:Device", "CPU",
            "--QwenRag:Generation:MaxBatch", "1",
            "--QwenRag:Generation:MaxQueuedRequests", "0");
        Client = Host.CreateClient();
        var job = Assert.Single(await Client.UploadAcceptedAsync(Set, [UploadFile.FromPath(TestCorpus.MixedFile(Document))]));
        DocumentId = (await Client.WaitForSuccessAsync(job.String("id"))).String("documentId");
    }

    public async Task DisposeAsync()
    {
        Client?.Dispose();
        if (Host is not null)
        {
            await Host.DisposeAsync();
        }

        _directory.Dispose();
    }
}

[CollectionDefinition(Name)]
public sealed class QwenApiCollection : ICollectionFixture<QwenApiFixture>
{
    public const string Name = "qwen-api";
}
