using QwenRag.Tests;

namespace QwenRag.Cli.Tests;

/// <summary>
/// <c>--embedding</c> and <c>reindex --embedding</c> through real processes: a set built with MiniLM is refused by the
/// default model (arctic-embed-xs, same 384 dimensions) and searchable with it once re-embedded.
/// </summary>
public sealed class CliEmbeddingTests : IDisposable
{
    private readonly TemporaryDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [Fact]
    public async Task Reindex_SetOfAnotherModel_SwitchedAndSearchableWithTheNewOne()
    {
        var ingest = await QwenRagProcess.RunAsync(
            _directory.Path, "ingest", TestCorpus.MixedFile("reducing_variance.md"), "--set", "notes", "--embedding", "minilm");
        Assert.True(ingest.ExitCode == 0, ingest.Stderr);

        var refused = await QwenRagProcess.RunAsync(_directory.Path, "search", "benchmark variance", "--set", "notes", "--json");
        Assert.Equal(1, refused.ExitCode);
        Assert.Empty(refused.Stdout);
        Assert.Contains(
            "error: Set 'notes' was indexed with embedding model all-MiniLM-L6-v2, but this process embeds with snowflake-arctic-embed-xs",
            refused.Stderr,
            StringComparison.Ordinal);

        // In Qdrant one collection holds one model: a single set is not switched there (nothing is asked of Qdrant).
        var oneSetInQdrant = await QwenRagProcess.RunAsync(_directory.Path, "reindex", "--set", "notes", "--qdrant", "http://127.0.0.1:1");
        Assert.Equal(1, oneSetInQdrant.ExitCode);
        Assert.Contains("run `qwenrag reindex --embedding snowflake-arctic-embed-xs --qdrant URL` without --set", oneSetInQdrant.Stderr, StringComparison.Ordinal);

        var reindex = await QwenRagProcess.RunAsync(_directory.Path, "reindex", "--set", "notes", "--embedding", "arctic-xs");
        Assert.True(reindex.ExitCode == 0, reindex.Stderr);
        Assert.Contains("set 'notes': embedded with snowflake-arctic-embed-xs", reindex.Stderr, StringComparison.Ordinal);

        var search = await QwenRagProcess.RunAsync(_directory.Path, "search", "benchmark variance", "--set", "notes", "--json");
        Assert.True(search.ExitCode == 0, search.Stderr);
        Assert.Equal("reducing_variance.md", search.Json().GetProperty("results")[0].GetProperty("document").GetString());
        var sets = await QwenRagProcess.RunAsync(_directory.Path, "sets", "list", "--json");
        Assert.Equal("snowflake-arctic-embed-xs", sets.Json().GetProperty("sets")[0].GetProperty("embeddingModel").GetString());
    }
}
