using Microsoft.Extensions.DependencyInjection;
using QwenRag.Core;
using QwenRag.Ingestion.Pipeline;
using QwenRag.Tests;

namespace QwenRag.Hosting.Tests;

/// <summary>Every corpus PDF and mixed-format file ingested once, with the real model, for the tests that search them.</summary>
public sealed class CorpusFixture : IAsyncLifetime
{
    public const string PdfSet = "pdfs";
    public const string MixedSet = "mixed";

    private readonly TemporaryDirectory _directory = new();

    public ServiceProvider Services { get; private set; } = null!;

    public IReadOnlyList<IngestionOutcome> PdfOutcomes { get; private set; } = [];

    public IReadOnlyList<IngestionOutcome> MixedOutcomes { get; private set; } = [];

    public QueryService Query => Services.GetRequiredService<QueryService>();

    public async Task InitializeAsync()
    {
        Services = new ServiceCollection().AddLogging().AddQwenRag(new DataDirectory(_directory.Path)).BuildServiceProvider();
        var ingestor = Services.GetRequiredService<DocumentIngestor>();
        PdfOutcomes = await IngestFolderAsync(ingestor, PdfSet, TestCorpus.Pdfs, "*.pdf");
        MixedOutcomes = await IngestFolderAsync(ingestor, MixedSet, TestCorpus.Mixed, "*.*");
    }

    public async Task DisposeAsync()
    {
        await Services.DisposeAsync();
        _directory.Dispose();
    }

    private static async Task<IReadOnlyList<IngestionOutcome>> IngestFolderAsync(
        DocumentIngestor ingestor, string set, string folder, string pattern)
    {
        var outcomes = new List<IngestionOutcome>();
        foreach (var file in Directory.GetFiles(folder, pattern).Where(f => !f.EndsWith(".jsonl", StringComparison.Ordinal)
            && !Path.GetFileName(f).Equals("SOURCES.md", StringComparison.Ordinal)).Order(StringComparer.Ordinal))
        {
            outcomes.Add(await ingestor.IngestFileAsync(set, file));
        }

        return outcomes;
    }
}

[CollectionDefinition(Name)]
public sealed class CorpusCollection : ICollectionFixture<CorpusFixture>
{
    public const string Name = "corpus";
}
