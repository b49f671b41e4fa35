using Microsoft.Extensions.DependencyInjection;
using Microsoft.SemanticKernel;
using QwenRag.Api.Tests;
using QwenRag.Core;
using QwenRag.Hosting;
using QwenRag.Ingestion.Pipeline;
using QwenRag.Tests;

namespace QwenRag.SemanticKernel.Tests;

/// <summary>
/// Two PDFs of the shared corpus in <see cref="Set"/> twice over: ingested in process by the real pipeline into one
/// data directory, and uploaded through the plugin's own remote <c>upload</c> to a real API server on 127.0.0.1 over
/// another. The server has an admin key, a reader key and a reader key limited to another set.
/// </summary>
public sealed class PluginFixture : IAsyncLifetime
{
    public const string Set = "papers";
    public const string OtherSet = "elsewhere";
    public const string AdminKey = "admin-key-for-plugin-tests";
    public const string ReaderKey = "reader-key-for-plugin-tests";
    public const string LimitedKey = "limited-key-for-plugin-tests";
    public const string Licence = "lppl-1.3c.pdf";
    public const string Talk = "beamerexample-conference-talk.pdf";

    private readonly TemporaryDirectory _directory = new();
    private ServiceProvider? _services;

    /// <summary>In process: QwenRag's services and the plugin (reader functions, default set) from one container.</summary>
    public Kernel InProcess { get; private set; } = null!;

    public IQwenRagBackend InProcessBackend { get; private set; } = null!;

    public ApiHost Server { get; private set; } = null!;

    /// <summary>Remote, with the admin key and admin functions, registered with <c>kernelBuilder.Plugins.AddQwenRag</c>.</summary>
    public Kernel RemoteAdmin { get; private set; } = null!;

    /// <summary>What the in-process ingestion reported, by file name.</summary>
    public IReadOnlyDictionary<string, IngestionOutcome> Ingested { get; private set; } = new Dictionary<string, IngestionOutcome>();

    /// <summary>What the remote <c>upload</c> function returned, by file name.</summary>
    public IReadOnlyDictionary<string, string> Uploaded { get; private set; } = new Dictionary<string, string>();

    public string DataDirectory => Path.Combine(_directory.Path, "in-process");

    public async Task InitializeAsync()
    {
        var services = new ServiceCollection();
        services.AddQwenRag(new DataDirectory(DataDirectory));
        services.AddKernel();
        services.AddQwenRagPlugin(options => options.DefaultSet = Set);
        _services = services.BuildServiceProvider();
        InProcess = _services.GetRequiredService<Kernel>();
        InProcessBackend = _services.GetRequiredService<IQwenRagBackend>();
        var ingestor = _services.GetRequiredService<DocumentIngestor>();
        var ingested = new Dictionary<string, IngestionOutcome>();
        foreach (var name in new[] { Licence, Talk })
        {
            var outcome = await ingestor.IngestFileAsync(Set, TestCorpus.Pdf(name));
            Assert.True(outcome.Succeeded, outcome.Error);
            ingested[name] = outcome;
        }

        Ingested = ingested;

        Server = await ApiHost.StartAsync(
            Path.Combine(_directory.Path, "server"),
            "--QwenRag:Auth:Keys:0:Key", AdminKey,
            "--QwenRag:Auth:Keys:0:Role", "admin",
            "--QwenRag:Auth:Keys:1:Key", ReaderKey,
            "--QwenRag:Auth:Keys:1:Role", "reader",
            "--QwenRag:Auth:Keys:2:Key", LimitedKey,
            "--QwenRag:Auth:Keys:2:Role", "reader",
            "--QwenRag:Auth:Keys:2:Sets:0", OtherSet);
        var builder = Kernel.CreateBuilder();
        builder.Plugins.AddQwenRag(options =>
        {
            options.Backend = QwenRagBackendKind.Remote;
            options.ServerUrl = Server.Address;
            options.ApiKey = AdminKey;
            options.DefaultSet = Set;
            options.IncludeAdminFunctions = true;
            options.UploadFolders.Add(TestCorpus.Pdfs);
        });
        RemoteAdmin = builder.Build();
        var uploaded = new Dictionary<string, string>();
        foreach (var name in new[] { Licence, Talk })
        {
            uploaded[name] = (await RemoteAdmin.InvokeAsync<string>("qwenrag", "upload", new() { ["path"] = TestCorpus.Pdf(name) }))!;
        }

        Uploaded = uploaded;
    }

    /// <summary>A kernel with the plugin over the test server, as a reader (or with <paramref name="key"/>).</summary>
    public Kernel Remote(string? key = ReaderKey, string? defaultSet = Set, Uri? server = null, TimeSpan? timeout = null)
    {
        var builder = Kernel.CreateBuilder();
        builder.Plugins.AddQwenRag(options =>
        {
            options.Backend = QwenRagBackendKind.Remote;
            options.ServerUrl = server ?? Server.Address;
            options.ApiKey = key;
            options.DefaultSet = defaultSet;
            options.RequestTimeout = timeout ?? options.RequestTimeout;
        });
        return builder.Build();
    }

    /// <summary>A kernel with the in-process plugin built by <see cref="QwenRagKernelPlugin.Create"/> with these options.</summary>
    public Kernel InProcessWith(QwenRagPluginOptions options) =>
        new(_services, new KernelPluginCollection([QwenRagKernelPlugin.Create(InProcessBackend, options)]));

    public async Task DisposeAsync()
    {
        if (Server is not null)
        {
            await Server.DisposeAsync();
        }

        if (_services is not null)
        {
            await _services.DisposeAsync();
        }

        _directory.Dispose();
    }
}

[CollectionDefinition(Name)]
public sealed class PluginCollection : ICollectionFixture<PluginFixture>
{
    public const string Name = "plugin";
}
