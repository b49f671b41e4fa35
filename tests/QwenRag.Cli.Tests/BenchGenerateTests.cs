using System.Text.Json;
using QwenRag.Tests;

namespace QwenRag.Cli.Tests;

/// <summary><c>qwenrag bench generate</c> on tiny random models, run as a user would run it.</summary>
public sealed class BenchGenerateTests : IDisposable
{
    private readonly TemporaryDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [Fact]
    public async Task BenchGenerate_ComparesWithGenAi_AndSizesTheKvCache()
    {
        var model = await BuildAsync("plain", "--layers", "3", "--hidden", "64", "--heads", "4", "--kv-heads", "2", "--vocab", "300", "--max-positions", "4096");

        var result = await QwenRagProcess.RunAsync(_directory.Path,
            "bench", "generate", "--model", model, "--prompt-tokens", "12", "--new-tokens", "6", "--runs", "1",
            "--compare-genai", "--kv-contexts", "256,1024,8192", "--json");

        Assert.True(result.ExitCode == 0, result.Stderr);
        var engines = result.Json().GetProperty("engines").EnumerateArray().ToArray();
        Assert.Equal(["qwenrag", "onnxruntime-genai"], engines.Select(engine => engine.GetProperty("engine").GetString()));
        foreach (var engine in engines)
        {
            Assert.Equal(7, engine.GetProperty("tokens").GetArrayLength());
            Assert.True(engine.GetProperty("prefillSeconds").GetDouble() > 0);
            Assert.True(engine.GetProperty("decodeSeconds").GetDouble() > 0);
            Assert.True(engine.GetProperty("peakWorkingSetBytes").GetInt64() > 0);
        }

        // Same folder, same prompt, greedy: both runtimes pick the same tokens.
        Assert.Equal(Tokens(engines[0]), Tokens(engines[1]));
        var kv = engines[0].GetProperty("kvMemory").EnumerateArray().ToArray();
        Assert.Equal([256, 1024], kv.Select(entry => entry.GetProperty("context").GetInt32())); // 8192 is beyond the context
        const long perToken = 2L * 3 * 2 * 16 * sizeof(float); // key and value, 3 layers, 2 kv heads of 16, fp32
        Assert.Equal([perToken * 256, perToken * 1024], kv.Select(entry => entry.GetProperty("allocatedBytes").GetInt64()));
    }

    [Fact]
    public async Task BenchGenerate_WindowedModel_KvCacheDoesNotGrowWithTheContext()
    {
        var model = await BuildAsync("windowed", "--layers", "2", "--hidden", "64", "--heads", "4", "--kv-heads", "2", "--vocab", "300",
            "--max-positions", "4096", "--window", "64", "--max-window-layers", "0");

        var result = await QwenRagProcess.RunAsync(_directory.Path,
            "bench", "generate", "--model", model, "--prompt-tokens", "8", "--new-tokens", "4", "--runs", "1", "--kv-contexts", "128,4096", "--json");

        Assert.True(result.ExitCode == 0, result.Stderr);
        var ours = result.Json().GetProperty("engines")[0];
        Assert.Equal(2, ours.GetProperty("shape").GetProperty("windowCachedLayers").GetInt32());
        var allocated = ours.GetProperty("kvMemory").EnumerateArray().Select(entry => entry.GetProperty("allocatedBytes").GetInt64()).ToArray();
        Assert.Equal(2L * 2 * 2 * 16 * sizeof(float) * (64 + 8), allocated[0]); // a 64-token window plus 1/8 slack, whatever the context
        Assert.Equal(allocated[0], allocated[1]);
    }

    [Fact]
    public async Task BenchGenerate_MissingModel_FailsClearly()
    {
        var result = await QwenRagProcess.RunAsync(_directory.Path, "bench", "generate", "--model", Path.Combine(_directory.Path, "none"));

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("does not exist", result.Stderr, StringComparison.Ordinal);
    }

    private static int[] Tokens(JsonElement engine) => [.. engine.GetProperty("tokens").EnumerateArray().Select(token => token.GetInt32())];

    private async Task<string> BuildAsync(string name, params string[] shape)
    {
        var checkpoint = Path.Combine(_directory.Path, name + "-hf");
        var model = Path.Combine(_directory.Path, name);
        var tiny = await QwenRagProcess.RunAsync(_directory.Path, ["model", "tiny", "--out", checkpoint, .. shape]);
        Assert.True(tiny.ExitCode == 0, tiny.Stderr);
        var build = await QwenRagProcess.RunAsync(_directory.Path, "model", "build", "--from", checkpoint, "--out", model);
        Assert.True(build.ExitCode == 0, build.Stderr);
        return model;
    }
}
