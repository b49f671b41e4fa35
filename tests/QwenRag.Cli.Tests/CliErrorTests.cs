using QwenRag.Tests;

namespace QwenRag.Cli.Tests;

/// <summary>
/// The CLI's one error policy: whatever the command, a failure the user can act on is one <c>error:</c> line on stderr,
/// nothing on stdout (so <c>--json</c> consumers never parse an error) and exit code 1.
/// </summary>
public sealed class CliErrorTests : IDisposable
{
    private readonly TemporaryDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [Theory]
    [InlineData("Set 'nope' does not exist", "search", "q", "--set", "nope", "--json")]
    [InlineData("Set 'nope' does not exist", "ask", "q", "--set", "nope", "--json")]
    [InlineData("Set 'nope' does not exist", "documents", "list", "--set", "nope")]
    [InlineData("Set 'nope' does not exist", "sets", "delete", "nope")]
    [InlineData("Set 'nope' does not exist", "reindex", "--set", "nope")]
    [InlineData("--top must be between 1 and 100 (was 0)", "search", "q", "--set", "s", "--top", "0", "--json")]
    [InlineData("--top must be between 1 and 100 (was 101)", "ask", "q", "--set", "s", "--top", "101")]
    [InlineData("Option '--set' is required", "search", "q")]
    [InlineData("Invalid set name 'bad/name'", "search", "q", "--set", "bad/name")]
    [InlineData("the query is empty", "search", " ", "--set", "s")]
    [InlineData("--concurrency must be between 1 and 64", "worker", "--concurrency", "0")]
    [InlineData("No model.onnx in", "generate", "--model", "missing-model", "--prompt-tokens", "1,2", "--json")]
    [InlineData("No model.onnx in", "model", "logits", "--model", "missing-model", "--tokens", "1,2")]
    [InlineData("--tokens: 'x' is not a token id", "model", "logits", "--model", "missing-model", "--tokens", "1,x")]
    [InlineData("does not exist", "bench", "generate", "--model", "missing-model")]
    [InlineData("--device must be cpu or cuda (was 'gpu')", "ask", "q", "--set", "s", "--device", "gpu")]
    [InlineData("--runs must be between 1 and 100", "bench", "cold-start", "--set", "s", "--runs", "0")]
    [InlineData("QwenRag:Qdrant:Url must be an http:// or https:// address", "search", "q", "--set", "s", "--qdrant", "ftp://qdrant:6334")]
    [InlineData("Qdrant at http://127.0.0.1:1 is unavailable", "migrate", "--set", "s", "--to-qdrant", "http://127.0.0.1:1")]
    [InlineData("Give either --set NAME or --all", "migrate", "--to-qdrant", "http://127.0.0.1:1")]
    [InlineData("QwenRag:Postgres:ConnectionString is not a valid PostgreSQL connection string", "sets", "list", "--postgres", "Host=db;Port=x")]
    [InlineData("The catalog database (PostgreSQL at 127.0.0.1:1/q) is unavailable", "documents", "list", "--set", "s", "--postgres", "Host=127.0.0.1;Port=1;Username=q;Timeout=2")]
    [InlineData("Give --set NAME, --embedding MODEL (every set), or both", "reindex")]
    [InlineData("Unknown embedding model 'no-such-model'", "search", "q", "--set", "s", "--embedding", "no-such-model")]
    [InlineData("QwenRag:Reranking:Model 'missing-reranker' is not a folder", "search", "q", "--set", "s", "--reranker", "missing-reranker")]
    [InlineData("--candidates must be between 1 and 100 (was 0)", "bench", "retrieval", "--set", "s", "--questions", "q.jsonl", "--reranker", "r", "--candidates", "0")]
    [InlineData("--candidates needs --reranker", "bench", "retrieval", "--set", "s", "--questions", "q.jsonl", "--candidates", "20")]
    public async Task UserError_AnyCommand_OneErrorLineOnStderrNothingOnStdoutExitOne(string message, params string[] arguments)
    {
        var result = await QwenRagProcess.RunAsync(_directory.Path, arguments);

        AssertOneError(result, message);
    }

    [Fact]
    public async Task BenchHttp_NoServerListening_OneErrorLine()
    {
        // Port 1 on loopback: nothing listens there, so the connection is refused at once.
        var result = await QwenRagProcess.RunAsync(
            _directory.Path, "bench", "http", "--url", "http://127.0.0.1:1", "--set", "s", "--seconds", "1", "--json");

        AssertOneError(result, "127.0.0.1:1");
    }

    [Fact]
    public async Task ModelTokenize_LineThatIsNotJson_NamesTheLine()
    {
        var input = Path.Combine(_directory.Path, "lines.jsonl");
        await File.WriteAllTextAsync(input, "{\"text\": \"a\"}\nnot json\n");

        var result = await QwenRagProcess.RunAsync(_directory.Path, "model", "tokenize", "--tokenizer", _directory.Path, "--input", input);

        Assert.Equal(1, result.ExitCode);
        Assert.StartsWith("error: ", result.Stderr, StringComparison.Ordinal);
        Assert.Single(result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    [Theory]
    [InlineData(typeof(ObjectDisposedException))]
    [InlineData(typeof(ArgumentNullException))]
    [InlineData(typeof(NullReferenceException))]
    [InlineData(typeof(IndexOutOfRangeException))]
    public void UserMessage_Bugs_AreNotUserErrors(Type type) =>
        Assert.Null(CommandErrors.UserMessage((Exception)Activator.CreateInstance(type, "x")!));

    [Fact]
    public void UserMessage_UserErrors_SayWhatHappened()
    {
        Assert.Equal("cancelled", CommandErrors.UserMessage(new OperationCanceledException()));
        Assert.Equal("slow", CommandErrors.UserMessage(new TaskCanceledException("x", new TimeoutException("slow"))));
        Assert.Equal("disk", CommandErrors.UserMessage(new IOException("disk")));
        Assert.Equal("keys needed", CommandErrors.UserMessage(new InvalidOperationException("keys needed")));
    }

    private static void AssertOneError(QwenRagProcess.Result result, string message)
    {
        Assert.True(result.ExitCode == 1, $"exit {result.ExitCode}: {result.Stderr}");
        Assert.Equal(string.Empty, result.Stdout);
        var lines = result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var line = Assert.Single(lines);
        Assert.StartsWith("error: ", line, StringComparison.Ordinal);
        Assert.Contains(message, line, StringComparison.Ordinal);
    }
}
