using Microsoft.Extensions.Logging;
using Microsoft.ML.OnnxRuntime.Tensors;
using QwenRag.Generation.Checkpoints;
using QwenRag.Generation.Generation;
using QwenRag.Generation.Onnx;
using QwenRag.Generation.Runtime;
using Xunit.Abstractions;

namespace QwenRag.Generation.Tests;

/// <summary>
/// The KV cache bound through IoBinding: past and present share one preallocated buffer per layer; sliding-window
/// layers keep a window-sized buffer that GroupQueryAttention evicts from, so their memory does not grow with the context.
/// </summary>
public sealed class KvCacheTests(ITestOutputHelper output)
{
    private const int Window = 8;

    private static TinyCheckpointOptions Options(int maxWindowLayers = 0) => ModelFixture.Small with
    {
        Layers = 3,
        MaxPositions = 128,
        SlidingWindow = Window,
        MaxWindowLayers = maxWindowLayers,
        Seed = 11,
    };

    [Fact]
    public void WindowedCache_OverFourTimesTheWindow_StaysWindowSizedAndMatchesTheReference()
    {
        var options = Options();
        using var fixture = ModelFixture.Create(options);
        var model = fixture.Model;
        Assert.Equal(options.Layers, model.WindowCachedLayers);
        Assert.Equal(Window, model.LocalWindowSize);
        Assert.Equal(Window + 1, model.WindowCacheLength); // the window plus 1/8 of it, at least one

        var tokens = ModelFixture.Tokens((4 * Window) + 7, options.Vocab, 5);
        var expected = fixture.Reference(tokens);
        using var cache = model.CreateCache(tokens.Length);
        const int prefill = 3;
        LogitAssert.Close([expected[prefill - 1]], [model.Append(cache, tokens.AsSpan(0, prefill))], 1e-4, "prefill");
        for (var position = prefill; position < tokens.Length; position++)
        {
            var logits = model.Append(cache, tokens.AsSpan(position, 1));
            LogitAssert.Close([expected[position]], [logits], 1e-4, $"position {position}");
            Assert.All(cache.Buffers, buffer => Assert.Equal(Window + 1, buffer.GetTensorTypeAndShape().Shape[2]));
        }

        Assert.Equal(tokens.Length, cache.Length);
        var perToken = 2L * options.Layers * options.KvHeads * (options.Hidden / options.Heads) * sizeof(float);
        Assert.Equal(perToken * (Window + 1), cache.Bytes);
        Assert.Equal(cache.Bytes, model.KvCacheBytes(options.MaxPositions));
        Assert.Equal(cache.Bytes, model.KvCacheBytes(1));
        output.WriteLine($"{tokens.Length} tokens through a {Window}-token window: {cache.Bytes} bytes of cache, constant");
    }

    [Fact]
    public void FullLengthCaches_GrowWithTheContext_AndAgreeWithWindowedCaches()
    {
        // Window on layers 1 and 2 only: layer 0 always keeps every position.
        var options = Options(maxWindowLayers: 1);
        using var windowed = ModelFixture.Create(options);
        using var full = ModelFixture.Create(options, windowedCache: false);
        Assert.Equal(2, windowed.Model.WindowCachedLayers);
        Assert.Equal(0, full.Model.WindowCachedLayers);

        var perLayerToken = 2L * options.KvHeads * (options.Hidden / options.Heads) * sizeof(float);
        Assert.Equal(perLayerToken * 3 * 100, full.Model.KvCacheBytes(100));
        Assert.Equal(perLayerToken * (100 + (2 * (Window + 1))), windowed.Model.KvCacheBytes(100));

        var tokens = ModelFixture.Tokens(5 * Window, options.Vocab, 9);
        LogitAssert.Close(full.Model.Logits(tokens, 4), windowed.Model.Logits(tokens, 4), 1e-5, "windowed against full-length caches");
        LogitAssert.Close(windowed.Reference(tokens), windowed.Model.Logits(tokens, 11), 1e-4, "windowed, prefill 11");
    }

    [Fact]
    public void WindowedCache_Fp16_FollowsTheReference()
    {
        // fp16 is what CUDA runs; here its window-sized cache runs on the CPU kernel over 4x the window.
        var options = Options();
        using var fixture = ModelFixture.Create(options, OnnxPrecision.Fp16);
        Assert.Equal(options.Layers, fixture.Model.WindowCachedLayers);
        var tokens = ModelFixture.Tokens(4 * Window, options.Vocab, 21);
        var expected = fixture.Reference(tokens);

        var cached = fixture.Model.Logits(tokens, 5);

        var scale = expected.Max(row => row.Max(Math.Abs));
        var difference = LogitAssert.MaxDifference(expected, cached);
        output.WriteLine($"fp16 windowed: max |diff| {difference:E2} (max |logit| {scale:0.00})");
        Assert.True(difference <= 1e-2 * Math.Max(1, scale), $"{difference:E2}");
    }

    [Fact]
    public async Task Generator_GreedyOverFourTimesTheWindow_EqualsFullPassArgmax()
    {
        var options = Options();
        using var fixture = ModelFixture.Create(options);
        var generator = new TokenGenerator(fixture.Model, prefillChunk: 3);
        int[] prompt = [1, 2, 3, 4, 5];
        var newTokens = 4 * Window;

        var generated = new List<int>();
        await foreach (var token in generator.GenerateAsync(prompt, new SamplingOptions { Greedy = true, MaxNewTokens = newTokens }))
        {
            generated.Add(token);
        }

        var sequence = prompt.ToList();
        var expected = new List<int>();
        while (expected.Count < newTokens)
        {
            var next = QwenOnnxModel.ArgMax(fixture.Reference(sequence)[^1]);
            expected.Add(next);
            sequence.Add(next);
        }

        Assert.Equal(expected, generated);
    }

    [Fact]
    public void Append_BeyondTheCacheCapacity_FailsWithTheNumbers()
    {
        using var fixture = ModelFixture.Create(Options(maxWindowLayers: 1));
        using var cache = fixture.Model.CreateCache(4);
        fixture.Model.Append(cache, [1, 2, 3]);

        var error = Assert.Throws<ArgumentException>(() => fixture.Model.Append(cache, [4, 5]));

        Assert.Contains("3 cached tokens plus 2 new ones exceed the cache's capacity of 4", error.Message, StringComparison.Ordinal);
        Assert.Equal(3, cache.Length);
        Assert.Throws<ArgumentOutOfRangeException>(() => fixture.Model.CreateCache(0));
        Assert.Throws<ArgumentOutOfRangeException>(() => fixture.Model.CreateCache(fixture.Model.ContextLength + 1));
    }

    [Fact]
    public void Choose_Cpu_WhenAskedOrWhenCudaIsNotUsable()
    {
        string[] withCuda = ["CUDAExecutionProvider", "CPUExecutionProvider"];
        var cuda = new QwenRuntimeOptions { Device = ExecutionDevice.Cuda };

        Assert.Equal(ExecutionDevice.Cpu, DeviceChoice.Choose(new QwenRuntimeOptions(), TensorElementType.Float16, withCuda).Device);
        Assert.Equal(ExecutionDevice.Cuda, DeviceChoice.Choose(cuda, TensorElementType.Float16, withCuda).Device);

        var noProvider = DeviceChoice.Choose(cuda, TensorElementType.Float16, ["CPUExecutionProvider"]);
        Assert.Equal(ExecutionDevice.Cpu, noProvider.Device);
        Assert.Contains("no CUDA provider", noProvider.Reason, StringComparison.Ordinal);

        var fp32 = DeviceChoice.Choose(cuda, TensorElementType.Float, withCuda);
        Assert.Equal(ExecutionDevice.Cpu, fp32.Device);
        Assert.Contains("fp16", fp32.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Model_AskedForCudaWithoutIt_RunsOnTheCpuAndLogsWhy()
    {
        using var fixture = ModelFixture.Create(Options(maxWindowLayers: 1));
        var logger = new CollectingLogger();

        using var model = new QwenOnnxModel(fixture.ModelDirectory, new QwenRuntimeOptions { Device = ExecutionDevice.Cuda }, logger);

        Assert.Equal(ExecutionDevice.Cpu, model.Device);
        Assert.False(string.IsNullOrWhiteSpace(model.DeviceReason));
        var warning = Assert.Single(logger.Entries, entry => entry.Level == LogLevel.Warning);
        Assert.Contains(model.DeviceReason, warning.Message, StringComparison.Ordinal);
        Assert.Contains("Cuda was asked for", warning.Message, StringComparison.Ordinal);
        var tokens = ModelFixture.Tokens(6, 160, 1);
        LogitAssert.Close(fixture.Model.Logits(tokens), model.Logits(tokens), 0, "the fallback model computes the same logits");
    }

    private sealed class CollectingLogger : ILogger
    {
        public List<(LogLevel Level, string Message)> Entries { get; } = [];

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            => Entries.Add((logLevel, formatter(state, exception)));
    }
}
