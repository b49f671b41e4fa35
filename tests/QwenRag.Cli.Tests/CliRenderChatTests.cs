using System.Text.Json;
using QwenRag.Tests;

namespace QwenRag.Cli.Tests;

/// <summary>
/// <c>qwenrag model render-chat</c> prints, for every fixture case, the text the official template rendered
/// (the cases and expected outputs of tests/QwenRag.Generation.Tests/ChatTemplates), and names a bad line.
/// </summary>
public sealed class CliRenderChatTests : IDisposable
{
    private static readonly string Fixtures = Path.Combine(AppContext.BaseDirectory, "ChatTemplates");

    private readonly TemporaryDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [Fact]
    public async Task SharedQwen3Tokenizer_EveryCase_TheOfficialTemplatesText()
    {
        var tokenizer = Path.GetFullPath(Path.Combine(TestCorpus.Root, "..", "qwen-tokenizer"));

        var result = await QwenRagProcess.RunAsync(_directory.Path, "model", "render-chat", "--tokenizer", tokenizer, "--input", Path.Combine(Fixtures, "cases.jsonl"), "--json");

        Assert.True(result.ExitCode == 0, result.Stderr);
        Assert.Equal(Expected("qwen3"), Texts(result.Stdout));
    }

    [Fact]
    public async Task Qwen25TemplateFolder_EveryCase_TheOfficialTemplatesText()
    {
        var template = await File.ReadAllTextAsync(Path.Combine(Fixtures, "qwen2_5.jinja"));
        await File.WriteAllTextAsync(Path.Combine(_directory.Path, "tokenizer_config.json"), JsonSerializer.Serialize(new { chat_template = template }));

        var result = await QwenRagProcess.RunAsync(_directory.Path, "model", "render-chat", "--tokenizer", _directory.Path, "--input", Path.Combine(Fixtures, "cases.jsonl"), "--json");

        Assert.True(result.ExitCode == 0, result.Stderr);
        Assert.Equal(Expected("qwen2_5"), Texts(result.Stdout));
    }

    [Theory]
    [InlineData("{\"messages\": []}", "line 2: The conversation has no messages")]
    [InlineData("{\"messages\": [{\"role\": \"robot\", \"content\": \"x\"}]}", "line 2: messages[0].role is 'robot'")]
    [InlineData("{\"messages\": [{\"role\": \"assistant\", \"tool_calls\": [{\"function\": {\"name\": \"f\"}}]}]}", "line 2: messages[0].tool_calls[0].function needs \"arguments\"")]
    [InlineData("{\"messages\": [{\"role\": \"user\", \"content\": \"x\"}], \"enable_thinking\": \"no\"}", "line 2: \"enable_thinking\" must be true or false")]
    [InlineData("not json", "line 2: not JSON")]
    public async Task BadLine_OneErrorNamingTheLine(string badLine, string message)
    {
        var input = Path.Combine(_directory.Path, "chats.jsonl");
        await File.WriteAllTextAsync(input, "{\"messages\": [{\"role\": \"user\", \"content\": \"hi\"}]}\n" + badLine + "\n");

        var result = await QwenRagProcess.RunAsync(_directory.Path, "model", "render-chat", "--tokenizer", _directory.Path, "--input", input, "--json");

        Assert.Equal(1, result.ExitCode);
        var error = Assert.Single(result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("error: ", error, StringComparison.Ordinal);
        Assert.Contains(message, error, StringComparison.Ordinal);
    }

    private static List<string?> Expected(string family) =>
        [.. Lines(File.ReadAllText(Path.Combine(Fixtures, $"expected-{family}.jsonl"))).Select(line => JsonDocument.Parse(line).RootElement.GetProperty("text").GetString())];

    private static List<string?> Texts(string stdout) =>
        [.. Lines(stdout).Select(line => JsonDocument.Parse(line).RootElement.GetProperty("text").GetString())];

    // JSON lines end at '\n' only (the JSON writer escapes control characters, but not U+2028).
    private static IEnumerable<string> Lines(string text) => text.Split('\n').Where(line => !string.IsNullOrWhiteSpace(line));
}
