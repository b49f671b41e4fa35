using Microsoft.Extensions.AI;
using QwenRag.Core;
using QwenRag.Retrieval.Answering;

namespace QwenRag.Retrieval.Tests;

public sealed class ExtractiveAnswererQueueTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    private static readonly ScoredChunk[] Sources =
    [
        ExtractiveAnswererTests.Source("s1", "We fine-tuned the models for 400 steps. A linear warmup of 20 steps was used."),
    ];

    [Fact]
    public async Task AnswerAsync_ManyAtOnce_EmbedsAtMostMaxConcurrentAnswersAtATime()
    {
        using var embeddings = new GatedEmbeddingGenerator();
        var answerer = new ExtractiveAnswerer(embeddings, new ExtractiveAnswererOptions { MaxConcurrentAnswers = 2, MaxQueuedAnswers = 10 });

        var answers = Enumerable.Range(0, 6).Select(_ => answerer.CollectAsync("How many warmup steps?", Sources)).ToArray();
        await embeddings.WaitForInsideAsync(2).WaitAsync(Timeout);
        await Task.Delay(100); // give a third answer the chance to slip in, if the bound were broken
        Assert.Equal(2, embeddings.Inside);

        embeddings.Open();
        var responses = await Task.WhenAll(answers).WaitAsync(Timeout);

        Assert.Equal(2, embeddings.MaxInside);
        Assert.All(responses, response => Assert.Contains("linear warmup of 20 steps", response.Answer, StringComparison.Ordinal));
    }

    [Fact]
    public async Task AnswerAsync_QueueFull_RefusedAtOnceWithModelBusy()
    {
        using var embeddings = new GatedEmbeddingGenerator();
        var answerer = new ExtractiveAnswerer(embeddings, new ExtractiveAnswererOptions { MaxConcurrentAnswers = 1, MaxQueuedAnswers = 1 });
        var running = answerer.CollectAsync("How many warmup steps?", Sources);
        await embeddings.WaitForInsideAsync(1).WaitAsync(Timeout);
        var waiting = answerer.CollectAsync("How many warmup steps?", Sources);

        var busy = await Assert.ThrowsAsync<ModelBusyException>(() => answerer.CollectAsync("How many warmup steps?", Sources));

        Assert.Equal((1, 1), (busy.Running, busy.Waiting));
        embeddings.Open();
        await Task.WhenAll(running, waiting).WaitAsync(Timeout);
    }

    [Theory]
    [InlineData(0, 1)]
    [InlineData(1, -1)]
    public void Constructor_BadBounds_Throws(int concurrent, int queued)
    {
        using var embeddings = new GatedEmbeddingGenerator();
        Assert.Throws<ArgumentOutOfRangeException>(() =>
            new ExtractiveAnswerer(embeddings, new ExtractiveAnswererOptions { MaxConcurrentAnswers = concurrent, MaxQueuedAnswers = queued }));
    }

    /// <summary>Holds every call until <see cref="Open"/>, counting how many are inside at once.</summary>
    private sealed class GatedEmbeddingGenerator : IEmbeddingGenerator<string, Embedding<float>>
    {
        private readonly TaskCompletionSource _gate = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly HashingEmbeddingGenerator _inner = new();
        private int _inside;
        private int _maxInside;

        public int Inside => Volatile.Read(ref _inside);

        public int MaxInside => Volatile.Read(ref _maxInside);

        public void Open() => _gate.TrySetResult();

        public async Task WaitForInsideAsync(int count)
        {
            while (Inside < count)
            {
                await Task.Delay(5);
            }
        }

        public async Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(
            IEnumerable<string> values, EmbeddingGenerationOptions? options = null, CancellationToken cancellationToken = default)
        {
            var now = Interlocked.Increment(ref _inside);
            var seen = Volatile.Read(ref _maxInside);
            while (now > seen && Interlocked.CompareExchange(ref _maxInside, now, seen) != seen)
            {
                seen = Volatile.Read(ref _maxInside);
            }

            try
            {
                await _gate.Task.WaitAsync(cancellationToken);
                return await _inner.GenerateAsync(values, options, cancellationToken);
            }
            finally
            {
                Interlocked.Decrement(ref _inside);
            }
        }

        public object? GetService(Type serviceType, object? serviceKey = null) => null;

        public void Dispose() => _inner.Dispose();
    }
}
