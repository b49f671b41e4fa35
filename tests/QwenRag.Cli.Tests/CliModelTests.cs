namespace QwenRag.Cli.Tests;

/// <summary><c>--model</c> with <c>--device</c>: the tiny model is fp32, so CUDA is refused and the CPU answers, with the reason on stderr.</summary>
public sealed class CliModelTests(CliModelFixture fixture) : IClassFixture<CliModelFixture>
{
    private const string Question = "How can the variance of benchmark measurements be reduced?";

    [Fact]
    public async Task Ask_WithModel_QwenAnswersOnEitherDeviceAlike()
    {
        var cpu = await QwenRagProcess.RunAsync(
            fixture.Data, "ask", Question, "--set", CliModelFixture.Set, "--top", "2", "--model", fixture.Model, "--device", "cpu", "--json");
        var cuda = await QwenRagProcess.RunAsync(
            fixture.Data, "ask", Question, "--set", CliModelFixture.Set, "--top", "2", "--model", fixture.Model, "--device", "CUDA", "--json");

        Assert.True(cpu.ExitCode == 0, cpu.Stderr);
        Assert.True(cuda.ExitCode == 0, cuda.Stderr);
        Assert.Equal("qwen", cpu.Json().GetProperty("generator").GetString());
        Assert.False(string.IsNullOrEmpty(cpu.Json().GetProperty("answer").GetString()));
        Assert.Equal(cpu.Json().GetProperty("answer").GetString(), cuda.Json().GetProperty("answer").GetString());
        Assert.DoesNotContain("cuda", cpu.Stderr, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("cuda", cuda.Stderr, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Generate_Device_SameTokensAndTheFallbackExplained()
    {
        string[] generate = ["generate", "--model", fixture.Model, "--prompt-tokens", "1,2,3", "--max-tokens", "4", "--greedy", "--json"];

        var cpu = await QwenRagProcess.RunAsync(fixture.Data, [.. generate, "--device", "cpu"]);
        var cuda = await QwenRagProcess.RunAsync(fixture.Data, [.. generate, "--device", "cuda"]);

        Assert.True(cpu.ExitCode == 0, cpu.Stderr);
        Assert.True(cuda.ExitCode == 0, cuda.Stderr);
        var tokens = cpu.Json().GetProperty("tokens").EnumerateArray().Select(token => token.GetInt32()).ToArray();
        Assert.Equal(4, tokens.Length);
        Assert.Equal(tokens, cuda.Json().GetProperty("tokens").EnumerateArray().Select(token => token.GetInt32()));
        Assert.DoesNotContain("cuda", cpu.Stderr, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("cuda", cuda.Stderr, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task UnknownDevice_RefusedNamingTheChoices()
    {
        var result = await QwenRagProcess.RunAsync(
            fixture.Data, "ask", Question, "--set", CliModelFixture.Set, "--model", fixture.Model, "--device", "gpu", "--json");

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("--device must be cpu or cuda (was 'gpu')", result.Stderr, StringComparison.Ordinal);
    }
}
