using QwenRag.Tests;

namespace QwenRag.Cli.Tests;

/// <summary>A data directory with the mixed-format corpus ingested by <c>qwenrag ingest</c>, shared by the CLI tests.</summary>
public sealed class CliFixture : IAsyncLifetime
{
    public const string Set = "mixed";
    private readonly TemporaryDirectory _directory = new();

    public string Data => _directory.Path;

    internal QwenRagProcess.Result Ingest { get; private set; } = null!;

    public string BadFile => Path.Combine(_directory.Path, "inputs", "corrupt.pdf");

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(Path.GetDirectoryName(BadFile)!);
        await File.WriteAllTextAsync(BadFile, "%PDF-1.4 this is not really a PDF");
        Ingest = await QwenRagProcess.RunAsync(Data, "ingest", TestCorpus.Mixed, BadFile, "--set", Set, "--json");
    }

    public Task DisposeAsync()
    {
        _directory.Dispose();
        return Task.CompletedTask;
    }
}
