using System.Text;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using QwenRag.Core;
using QwenRag.Ingestion.Catalog;
using QwenRag.Ingestion.Pipeline;
using QwenRag.Tests;

namespace QwenRag.Hosting.Tests;

/// <summary>A document over an extraction bound fails alone: the ingestor goes on with the next one.</summary>
public sealed class HostileDocumentIngestionTests : IDisposable
{
    private const string Set = "docs";
    private readonly TemporaryDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [Fact]
    public async Task Ingest_DeeplyNestedHtmlThenGoodFile_HostileFailsWithTheBoundAndTheGoodOneIsIngested()
    {
        await using var services = new ServiceCollection().AddLogging().AddQwenRag(new DataDirectory(_directory.Path)).BuildServiceProvider();
        var ingestor = services.GetRequiredService<DocumentIngestor>();
        var deep = "<html><body>" + new StringBuilder().Insert(0, "<div>", 100_000) + "text";

        var hostile = await ingestor.IngestAsync(Set, "deep.html", new MemoryStream(Encoding.UTF8.GetBytes(deep)));
        var good = await ingestor.IngestFileAsync(Set, Path.Combine(TestCorpus.Mixed, "reducing_variance.md"));

        Assert.Equal(IngestionStatus.Failed, hostile.Status);
        Assert.Equal("deep.html: the HTML nests deeper than 512 levels (QwenRag:Ingestion:Extraction:MaxNestingDepth)", hostile.Error);
        Assert.Equal(IngestionStatus.Ingested, good.Status);
        Assert.Equal("reducing_variance.md", Assert.Single(services.GetRequiredService<IDocumentCatalog>().List(Set)).Name);
    }

    [Fact]
    public async Task Ingest_OverTheConfiguredTimeBudget_FailsAsTimedOutAndLeavesNothing()
    {
        var options = IngestionConfiguration.Read(Configuration(("QwenRag:Ingestion:Extraction:TimeBudget", "00:00:00.001")));
        await using var services = new ServiceCollection().AddLogging()
            .AddQwenRag(new DataDirectory(_directory.Path), options).BuildServiceProvider();

        var outcome = await services.GetRequiredService<DocumentIngestor>().IngestFileAsync(Set, TestCorpus.Pdf("amsldoc.pdf"));

        Assert.Equal(IngestionStatus.Failed, outcome.Status);
        Assert.Equal(
            "amsldoc.pdf: extracting the text took longer than the time budget of 0.001 s (QwenRag:Ingestion:Extraction:TimeBudget)",
            outcome.Error);
        Assert.Empty(services.GetRequiredService<IDocumentCatalog>().List(Set));
    }

    [Fact]
    public void Read_Section_BindsEveryLimit()
    {
        var options = IngestionConfiguration.Read(Configuration(
            ("QwenRag:Ingestion:MaxFileBytes", "2048"),
            ("QwenRag:Ingestion:Extraction:MaxPages", "7"),
            ("QwenRag:Ingestion:Extraction:MaxNestingDepth", "64"),
            ("QwenRag:Ingestion:Extraction:TimeBudget", "00:00:30")));

        Assert.Equal(2048, options.MaxFileBytes);
        Assert.Equal(7, options.Extraction.MaxPages);
        Assert.Equal(64, options.Extraction.MaxNestingDepth);
        Assert.Equal(TimeSpan.FromSeconds(30), options.Extraction.TimeBudget);
        Assert.Equal(20_000_000, options.Extraction.MaxTextCharacters);
        Assert.Equal(5_000, Ingestion.Extraction.ExtractionLimits.Default.MaxPages);
    }

    [Fact]
    public void Read_ZeroOrNegativeBound_StopsStartupNamingTheSetting()
    {
        var error = Assert.Throws<OptionsValidationException>(() => IngestionConfiguration.Read(Configuration(
            ("QwenRag:Ingestion:Extraction:MaxPages", "0"),
            ("QwenRag:Ingestion:Extraction:MaxUncompressedBytes", "-1"))));

        Assert.Equal(
            [
                "QwenRag:Ingestion:Extraction:MaxPages must be greater than 0 (was 0).",
                "QwenRag:Ingestion:Extraction:MaxUncompressedBytes must be greater than 0 (was -1).",
            ],
            error.Failures);
    }

    [Fact]
    public void AddQwenRag_InvalidOptions_Refused()
    {
        var options = new IngestionOptions { Extraction = new() { MaxNestingDepth = 0 } };

        var error = Assert.Throws<ArgumentException>(
            () => new ServiceCollection().AddQwenRag(new DataDirectory(_directory.Path), options));

        Assert.Contains("QwenRag:Ingestion:Extraction:MaxNestingDepth must be greater than 0", error.Message);
    }

    private static IConfiguration Configuration(params (string Key, string Value)[] values) =>
        new ConfigurationBuilder()
            .AddInMemoryCollection(values.Select(value => KeyValuePair.Create(value.Key, (string?)value.Value)))
            .Build();
}
