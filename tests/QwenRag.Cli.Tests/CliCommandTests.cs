using System.Text.Json;
using QwenRag.Tests;

namespace QwenRag.Cli.Tests;

public sealed class CliCommandTests(CliFixture cli) : IClassFixture<CliFixture>
{
    [Fact]
    public void Ingest_FolderAndCorruptFile_IngestsTheGoodOnesAndReportsTheBadOne()
    {
        Assert.Equal(0, cli.Ingest.ExitCode);
        var json = cli.Ingest.Json();
        Assert.Equal(5, json.GetProperty("ingested").GetInt32()); // four documents and SOURCES.md
        Assert.Equal(1, json.GetProperty("failed").GetInt32());
        var failed = json.GetProperty("documents").EnumerateArray().Single(d => d.GetProperty("status").GetString() == "failed");
        Assert.Contains("corrupt.pdf", failed.GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.Contains("failed: corrupt.pdf", cli.Ingest.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Ingest_SameFolderAgain_AllUnchanged()
    {
        var again = await QwenRagProcess.RunAsync(cli.Data, "ingest", TestCorpus.Mixed, "--set", CliFixture.Set, "--json");

        Assert.Equal(0, again.ExitCode);
        Assert.Equal(5, again.Json().GetProperty("unchanged").GetInt32());
        Assert.Equal(0, again.Json().GetProperty("ingested").GetInt32());
    }

    [Fact]
    public async Task Ingest_OnlyBadFiles_ExitsNonZero()
    {
        var result = await QwenRagProcess.RunAsync(cli.Data, "ingest", cli.BadFile, "--set", "other");

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("corrupt.pdf", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Search_Json_PrintsResultsWithDocumentPageScoreTextAndChunkId()
    {
        var result = await QwenRagProcess.RunAsync(
            cli.Data, "search", "CPU frequency governor for benchmarks", "--set", CliFixture.Set, "--top", "3", "--json");

        Assert.Equal(0, result.ExitCode);
        var results = result.Json().GetProperty("results").EnumerateArray().ToArray();
        Assert.Equal(3, results.Length);
        Assert.Equal("reducing_variance.md", results[0].GetProperty("document").GetString());
        foreach (var hit in results)
        {
            Assert.Equal(1, hit.GetProperty("page").GetInt32());
            Assert.Equal(1, hit.GetProperty("pageEnd").GetInt32());
            Assert.True(hit.GetProperty("score").GetDouble() > 0);
            Assert.False(string.IsNullOrWhiteSpace(hit.GetProperty("text").GetString()));
            Assert.True(Guid.TryParse(hit.GetProperty("chunkId").GetString(), out _));
        }
    }

    [Fact]
    public async Task Ask_Json_ExtractiveAnswerWithCitations()
    {
        var result = await QwenRagProcess.RunAsync(
            cli.Data, "ask", "Which command switches the CPU frequency governor so benchmarks vary less?", "--set", CliFixture.Set, "--json");

        Assert.Equal(0, result.ExitCode);
        var json = result.Json();
        Assert.Equal("extractive", json.GetProperty("generator").GetString());
        // With all-MiniLM-L6-v2 the best sentence was the command line itself ("sudo cpupower frequency-set ...");
        // snowflake-arctic-embed-xs (the default) ranks the sentence introducing it first.
        Assert.Contains("performance governor", json.GetProperty("answer").GetString(), StringComparison.Ordinal);
        var citation = json.GetProperty("citations").EnumerateArray().First();
        Assert.Equal("reducing_variance.md", citation.GetProperty("document").GetString());
        Assert.Equal(1, citation.GetProperty("page").GetInt32());
    }

    [Fact]
    public async Task SetsAndDocuments_ListAndDelete_DocumentGoneFromSearch()
    {
        var sets = await QwenRagProcess.RunAsync(cli.Data, "sets", "list", "--json");
        Assert.Contains(sets.Json().GetProperty("sets").EnumerateArray(), s => s.GetProperty("name").GetString() == CliFixture.Set);

        // Work on a separate set so the other tests keep theirs.
        var path = Path.Combine(TestCorpus.Mixed, "libffi-closure-api.html");
        Assert.Equal(0, (await QwenRagProcess.RunAsync(cli.Data, "ingest", path, "--set", "scratch")).ExitCode);
        var documents = await QwenRagProcess.RunAsync(cli.Data, "documents", "list", "--set", "scratch", "--json");
        var document = Assert.Single(documents.Json().GetProperty("documents").EnumerateArray().ToArray());
        Assert.Equal("libffi-closure-api.html", document.GetProperty("name").GetString());
        Assert.True(document.GetProperty("chunks").GetInt32() > 0);

        var delete = await QwenRagProcess.RunAsync(
            cli.Data, "documents", "delete", document.GetProperty("id").GetString()!, "--set", "scratch");

        Assert.Equal(0, delete.ExitCode);
        var search = await QwenRagProcess.RunAsync(cli.Data, "search", "closure", "--set", "scratch", "--json");
        Assert.NotEqual(0, search.ExitCode); // the set is empty now, so it no longer exists
        Assert.Contains("does not exist", search.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Search_UnknownSet_ExitsNonZeroWithMessageAndNothingOnStdout()
    {
        var result = await QwenRagProcess.RunAsync(cli.Data, "search", "anything", "--set", "nope", "--json");

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("Set 'nope' does not exist", result.Stderr, StringComparison.Ordinal);
        Assert.Equal(string.Empty, result.Stdout.Trim());
    }

    [Theory]
    [InlineData("search", "q", "--set", "mixed", "--top", "0")]
    [InlineData("search", "q", "--set", "mixed", "--top", "101")]
    [InlineData("search", "q", "--set", "bad/name")]
    [InlineData("ask", "  ", "--set", "mixed")]
    [InlineData("search", "q")]
    [InlineData("ask", "q", "--set", "mixed", "--device", "gpu")]
    [InlineData("generate", "--model", "m", "--prompt", "hi", "--device", "1")]
    [InlineData("serve", "--device", "tpu")]
    [InlineData("serve", "--max-queued", "-1")]
    [InlineData("serve", "--max-batch", "0")]
    [InlineData("serve", "--max-batch", "257")]
    [InlineData("serve", "--kv-cache-mib", "0")]
    public async Task Commands_InvalidArguments_ExitNonZeroWithMessage(params string[] arguments)
    {
        var result = await QwenRagProcess.RunAsync(cli.Data, arguments);

        Assert.NotEqual(0, result.ExitCode);
        Assert.False(string.IsNullOrWhiteSpace(result.Stderr));
    }

    [Fact]
    public async Task Ingest_Json_StdoutIsOneJsonDocument()
    {
        var result = await QwenRagProcess.RunAsync(
            cli.Data, "ingest", Path.Combine(TestCorpus.Mixed, "reducing_variance.md"), "--set", CliFixture.Set, "--json");

        using var parsed = JsonDocument.Parse(result.Stdout);
        Assert.Equal(JsonValueKind.Object, parsed.RootElement.ValueKind);
    }
}
