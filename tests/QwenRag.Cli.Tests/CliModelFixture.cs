using QwenRag.Tests;

namespace QwenRag.Cli.Tests;

/// <summary>A tiny random Qwen model (<see cref="TinyQwenModel"/>) and a data directory with one document ingested by <c>qwenrag ingest</c>.</summary>
public sealed class CliModelFixture : IAsyncLifetime
{
    public const string Set = "variance";
    private readonly TemporaryDirectory _directory = new();

    public string Data => Path.Combine(_directory.Path, "data");

    public string Model { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Model = TinyQwenModel.Build(_directory.Path);
        Directory.CreateDirectory(Data);
        var ingest = await QwenRagProcess.RunAsync(Data, "ingest", TestCorpus.MixedFile("reducing_variance.md"), "--set", Set, "--json");
        Assert.True(ingest.ExitCode == 0, ingest.Stderr);
    }

    public Task DisposeAsync()
    {
        _directory.Dispose();
        return Task.CompletedTask;
    }
}
