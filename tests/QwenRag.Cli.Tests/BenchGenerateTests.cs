using System.Text.Json;
using QwenRag.Tests;

namespace QwenRag.Cli.Tests;

/// <summary><c>qwenrag bench generate</c> and <c>bench serve</c> on tiny random models, run as a user would run it.</summary>
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

    [Fact]
    public async Task BenchServe_BatchedAndOneAtATime_SameTokensAndEveryLevelMeasured()
    {
        var model = await BuildAsync("serve", "--layers", "2", "--hidden", "64", "--heads", "4", "--kv-heads", "2", "--vocab", "300", "--max-positions", "512");

        var result = await QwenRagProcess.RunAsync(_directory.Path,
            "bench", "serve", "--model", model, "--clients", "3,1", "--prompt-tokens", "9", "--new-tokens", "5", "--json");

        Assert.True(result.ExitCode == 0, result.Stderr);
        var levels = result.Json().GetProperty("levels").EnumerateArray().ToArray();
        Assert.Equal([1, 3], levels.Select(level => level.GetProperty("clients").GetInt32()));
        foreach (var level in levels)
        {
            var clients = level.GetProperty("clients").GetInt32();
            var oneAtATime = level.GetProperty("oneAtATime");
            var batched = level.GetProperty("batched");
            Assert.Equal((1, 1), (oneAtATime.GetProperty("maxBatch").GetInt32(), oneAtATime.GetProperty("peakBatch").GetInt32()));
            Assert.Equal(clients, batched.GetProperty("maxBatch").GetInt32());
            Assert.InRange(batched.GetProperty("peakBatch").GetInt32(), 1, clients);
            Assert.True(level.GetProperty("sameTokens").GetBoolean());
            foreach (var run in new[] { oneAtATime, batched })
            {
                Assert.InRange(run.GetProperty("tokens").GetInt32(), clients, clients * 5);
                Assert.True(run.GetProperty("aggregateTokensPerSecond").GetDouble() > 0);
                Assert.True(run.GetProperty("decodeTokensPerSecond").GetDouble() > 0);
                Assert.True(run.GetProperty("timeToFirstTokenP99Ms").GetDouble() >= run.GetProperty("timeToFirstTokenP50Ms").GetDouble());
                Assert.True(run.GetProperty("interTokenP99Ms").GetDouble() >= run.GetProperty("interTokenP50Ms").GetDouble());
            }
        }

        Assert.True(levels[1].GetProperty("interTokenVsLone").GetDouble() > 0);
    }

    [Theory]
    [InlineData("0,2", "between 1 and 256")]
    [InlineData("two", "comma-separated whole numbers")]
    public async Task BenchServe_BadClients_FailsClearly(string clients, string message)
    {
        // Checked before the model loads.
        var model = Directory.CreateDirectory(Path.Combine(_directory.Path, "empty")).FullName;

        var result = await QwenRagProcess.RunAsync(_directory.Path, "bench", "serve", "--model", model, "--clients", clients);

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains(message, result.Stderr, StringComparison.Ordinal);
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
