using System.Text.Json;
using QwenRag.Tests;

namespace QwenRag.Api.Tests;

/// <summary>
/// One API host with four keys (admin, reader, reader limited to <see cref="DocsSet"/>, admin limited to it) and a small upload limit;
/// <c>latex-usrguide.pdf</c> uploaded to <see cref="DocsSet"/> and the mixed corpus to <see cref="MixedSet"/>
/// through the API itself, waited for once. Tests that change data use sets of their own.
/// </summary>
public sealed class ApiFixture : IAsyncLifetime
{
    public const string AdminKey = "admin-key";
    public const string ReaderKey = "reader-key";
    public const string LimitedKey = "limited-key";

    /// <summary>An admin key limited to <see cref="DocsSet"/>.</summary>
    public const string LimitedAdminKey = "limited-admin-key";
    public const string DocsSet = "docs";
    public const string MixedSet = "mixed";
    public const string DocsPdf = "latex-usrguide.pdf";
    public const int DocsPdfPages = 21;
    public const int MaxUploadBytes = 2_000_000;

    /// <summary>Mixed-corpus files uploaded together in one request (tagged "reference").</summary>
    public static readonly string[] MixedBatch = ["libffi-closure-api.html", "systemd-distro-porting.docx", "users-and-groups.html"];

    /// <summary>Uploaded on its own, tagged "perf" and "howto".</summary>
    public const string TaggedMarkdown = "reducing_variance.md";

    private readonly TemporaryDirectory _directory = new();
    private readonly List<HttpClient> _clients = [];

    public string DataDirectory => _directory.Path;

    public ApiHost Host { get; private set; } = null!;

    public HttpClient Admin { get; private set; } = null!;

    public HttpClient Reader { get; private set; } = null!;

    public HttpClient Limited { get; private set; } = null!;

    public HttpClient Anonymous { get; private set; } = null!;

    public HttpClient LimitedAdmin { get; private set; } = null!;

    /// <summary>The job of the <see cref="DocsPdf"/> upload as the upload answered it.</summary>
    public JsonElement DocsQueuedJob { get; private set; }

    /// <summary>The same job once it succeeded.</summary>
    public JsonElement DocsJob { get; private set; }

    public string DocsDocumentId => DocsJob.String("documentId");

    /// <summary>The jobs of the <see cref="MixedBatch"/> upload, in the order the response lists them.</summary>
    public IReadOnlyList<JsonElement> MixedBatchJobs { get; private set; } = [];

    /// <summary>Document ids of the mixed set by file name.</summary>
    public IReadOnlyDictionary<string, string> MixedDocumentIds { get; private set; } = new Dictionary<string, string>();

    public async Task InitializeAsync()
    {
        Host = await ApiHost.StartAsync(
            _directory.Path,
            "--QwenRag:Api:MaxUploadBytes", MaxUploadBytes.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--QwenRag:Auth:Keys:0:Key", AdminKey,
            "--QwenRag:Auth:Keys:0:Role", "admin",
            "--QwenRag:Auth:Keys:1:Key", ReaderKey,
            "--QwenRag:Auth:Keys:1:Role", "reader",
            "--QwenRag:Auth:Keys:2:Key", LimitedKey,
            "--QwenRag:Auth:Keys:2:Role", "reader",
            "--QwenRag:Auth:Keys:2:Sets:0", DocsSet,
            "--QwenRag:Auth:Keys:3:Key", LimitedAdminKey,
            "--QwenRag:Auth:Keys:3:Role", "admin",
            "--QwenRag:Auth:Keys:3:Sets:0", DocsSet);
        Admin = Client(AdminKey);
        Reader = Client(ReaderKey);
        Limited = Client(LimitedKey);
        Anonymous = Client(null);
        LimitedAdmin = Client(LimitedAdminKey);

        var docs = await Admin.UploadAcceptedAsync(DocsSet, [UploadFile.FromPath(TestCorpus.Pdf(DocsPdf))]);
        DocsQueuedJob = Assert.Single(docs);
        MixedBatchJobs = await Admin.UploadAcceptedAsync(
            MixedSet, MixedBatch.Select(name => UploadFile.FromPath(TestCorpus.MixedFile(name))), ["reference"]);
        var tagged = Assert.Single(await Admin.UploadAcceptedAsync(
            MixedSet, [UploadFile.FromPath(TestCorpus.MixedFile(TaggedMarkdown))], ["perf", "howto"]));

        DocsJob = await Admin.WaitForSuccessAsync(DocsQueuedJob.String("id"));
        var mixedIds = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var job in MixedBatchJobs.Append(tagged))
        {
            var done = await Admin.WaitForSuccessAsync(job.String("id"));
            mixedIds[done.String("document")] = done.String("documentId");
        }

        MixedDocumentIds = mixedIds;
    }

    /// <summary>A client of this host that the fixture disposes.</summary>
    public HttpClient Client(string? key, bool bearer = false)
    {
        var client = Host.CreateClient(key, bearer);
        lock (_clients)
        {
            _clients.Add(client);
        }

        return client;
    }

    public async Task DisposeAsync()
    {
        foreach (var client in _clients)
        {
            client.Dispose();
        }

        if (Host is not null)
        {
            await Host.DisposeAsync();
        }

        _directory.Dispose();
    }
}

[CollectionDefinition(Name)]
public sealed class ApiCollection : ICollectionFixture<ApiFixture>
{
    public const string Name = "api";
}
