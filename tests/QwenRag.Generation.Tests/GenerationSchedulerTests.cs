using QwenRag.Core;
using QwenRag.Generation.Checkpoints;
using QwenRag.Generation.Generation;
using QwenRag.Generation.Onnx;
using Xunit.Abstractions;

namespace QwenRag.Generation.Tests;

/// <summary>
/// <see cref="GenerationScheduler"/> on tiny random models: batched greedy tokens against each request generated
/// alone (<see cref="TokenGenerator"/>, batch 1 with its own cache), with arrivals, leaves, slot reuse, windows,
/// cancellation and admission.
/// </summary>
public sealed class GenerationSchedulerTests(ITestOutputHelper output)
{
    private static readonly TinyCheckpointOptions Base = ModelFixture.Small with { Seed = 41, Vocab = 200, MaxPositions = 256 };

    private sealed record Request(int[] Prompt, int MaxNewTokens);

    private static Request[] Requests(int count, int vocab, int seed) =>
        [.. Enumerable.Range(0, count).Select(i => new Request(
            ModelFixture.Tokens(1 + ((i * 13) % 37), vocab, seed + i), 12 + ((i * 7) % 17)))];

    private static SamplingOptions Greedy(int maxNewTokens) => SamplingOptions.GreedyDecoding with { MaxNewTokens = maxNewTokens };

    private static async Task<List<int>> Collect(IAsyncEnumerable<int> tokens, Action<int>? onToken = null)
    {
        var list = new List<int>();
        await foreach (var token in tokens)
        {
            list.Add(token);
            onToken?.Invoke(list.Count);
        }

        return list;
    }

    private static async Task<List<int>[]> Alone(ModelFixture fixture, Request[] requests)
    {
        var generator = new TokenGenerator(fixture.Model);
        var results = new List<int>[requests.Length];
        for (var i = 0; i < requests.Length; i++)
        {
            results[i] = await Collect(generator.GenerateAsync(requests[i].Prompt, Greedy(requests[i].MaxNewTokens)));
        }

        return results;
    }

    /// <summary>
    /// Request i enters the scheduler, from its own thread, before its first iteration after i x
    /// <paramref name="stagger"/> decode steps, so requests join a running batch at exact steps (and wait for a slot
    /// when all are taken) and leave at their own max new tokens.
    /// </summary>
    private static async Task<List<int>[]> Staggered(GenerationScheduler scheduler, Request[] requests, int stagger)
    {
        var tasks = new Task<List<int>>[requests.Length];
        var next = 0;
        var all = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        scheduler.BeforeIteration = steps =>
        {
            while (next < requests.Length && (steps >= (long)next * stagger || scheduler.Running + scheduler.Waiting == 0))
            {
                var request = requests[next];
                // The stream enters the queue at its first move, before that move awaits anything.
                tasks[next++] = Collect(scheduler.GenerateAsync(request.Prompt, Greedy(request.MaxNewTokens)));
            }

            if (next == requests.Length)
            {
                all.TrySetResult();
            }
        };
        scheduler.Wake();
        await all.Task;
        scheduler.BeforeIteration = null;
        return await Task.WhenAll(tasks);
    }

    [Theory]
    [InlineData(QwenArchitecture.Qwen2, 8)]
    [InlineData(QwenArchitecture.Qwen3, 3)]
    public async Task EightRequests_ArrivingAtDifferentSteps_GetTheirLoneGreedyTokens(QwenArchitecture architecture, int maxBatch)
    {
        using var fixture = ModelFixture.Create(Base with { Architecture = architecture });
        var requests = Requests(8, Base.Vocab, 5);
        var alone = await Alone(fixture, requests);
        using var scheduler = new GenerationScheduler(fixture.Model, new GenerationSchedulerOptions { MaxBatch = maxBatch, PrefillChunk = 7 });

        var batched = await Staggered(scheduler, requests, stagger: 2);

        for (var i = 0; i < requests.Length; i++)
        {
            Assert.Equal(alone[i], batched[i]);
            Assert.NotEmpty(batched[i]);
        }

        Assert.True(scheduler.PeakBatch >= Math.Min(maxBatch, 4), $"peak batch {scheduler.PeakBatch}");

        // Every token but a prompt's first comes from a decode step (one more step when a stop token ends a sequence).
        Assert.InRange(scheduler.DecodedTokens, alone.Sum(tokens => tokens.Count - 1), alone.Sum(tokens => tokens.Count));
        Assert.True(scheduler.DecodeTime > TimeSpan.Zero);

        Assert.Equal(0, scheduler.Running);
        Assert.Equal(0, scheduler.KvBytesInUse);
    }

    [Fact]
    public async Task AllAtOnce_MoreRequestsThanSlots_ReuseTheFreedSlots()
    {
        using var fixture = ModelFixture.Create(Base);
        var requests = Requests(8, Base.Vocab, 17);
        var alone = await Alone(fixture, requests);
        using var scheduler = new GenerationScheduler(fixture.Model, new GenerationSchedulerOptions { MaxBatch = 3, PrefillChunk = 5 });

        var batched = await Task.WhenAll(requests.Select(request => Collect(scheduler.GenerateAsync(request.Prompt, Greedy(request.MaxNewTokens)))));

        Assert.Equal(alone, batched);

        Assert.Equal(3, scheduler.PeakBatch);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task SlidingWindowLayers_FourTimesTheWindow_InABatch(bool windowedCache)
    {
        // Window 6 on the second layer; prompts and answers run to 4x the window and more, past the window cache.
        using var fixture = ModelFixture.Create(Base with { Layers = 2, SlidingWindow = 6, MaxWindowLayers = 1 }, windowedCache: windowedCache);
        Assert.Equal(windowedCache ? 1 : 0, fixture.Model.WindowCachedLayers);
        Request[] requests =
        [
            new(ModelFixture.Tokens(20, Base.Vocab, 1), 12),
            new(ModelFixture.Tokens(3, Base.Vocab, 2), 26),
            new(ModelFixture.Tokens(11, Base.Vocab, 3), 18),
            new(ModelFixture.Tokens(27, Base.Vocab, 4), 8),
            new(ModelFixture.Tokens(7, Base.Vocab, 5), 22),
        ];
        var alone = await Alone(fixture, requests);
        using var scheduler = new GenerationScheduler(fixture.Model, new GenerationSchedulerOptions { MaxBatch = 3, PrefillChunk = 4 });

        var batched = await Staggered(scheduler, requests, stagger: 3);

        Assert.Equal(alone, batched);

        Assert.Equal(3, scheduler.PeakBatch);
    }

    [Theory]
    [InlineData(OnnxPrecision.Fp32)]
    [InlineData(OnnxPrecision.Fp16)]
    public async Task Precisions_OnTheCpu_BatchLikeAlone(OnnxPrecision precision)
    {
        using var fixture = ModelFixture.Create(Base with { Architecture = QwenArchitecture.Qwen3 }, precision);
        var requests = Requests(6, Base.Vocab, 29);
        var alone = await Alone(fixture, requests);
        using var scheduler = new GenerationScheduler(fixture.Model, new GenerationSchedulerOptions { MaxBatch = 4, PrefillChunk = 9 });

        var batched = await Staggered(scheduler, requests, stagger: 1);

        Assert.Equal(alone, batched);

        Assert.Equal(4, scheduler.PeakBatch);
    }

    [Fact]
    public async Task DynamicNtk_RowsOfOtherLengths_StillGetTheirLoneTokens()
    {
        // Dynamic NTK tables depend on each sequence's length, so such rows decode one at a time.
        using var fixture = ModelFixture.Create(Base with
        {
            MaxPositions = 16,
            RopeScaling = RopeScaling.None with { Type = RopeType.Dynamic, Factor = 4 },
        });
        Assert.False(fixture.Model.BatchesRows);
        Request[] requests = [new(ModelFixture.Tokens(14, Base.Vocab, 8), 10), new(ModelFixture.Tokens(3, Base.Vocab, 9), 12), new(ModelFixture.Tokens(9, Base.Vocab, 10), 6)];
        var alone = await Alone(fixture, requests);
        using var scheduler = new GenerationScheduler(fixture.Model, new GenerationSchedulerOptions { MaxBatch = 3 });

        var batched = await Staggered(scheduler, requests, stagger: 2);

        Assert.Equal(alone, batched);

        Assert.Equal(3, scheduler.PeakBatch);
    }

    [Fact]
    public async Task CancellingOne_LeavesTheOthersUndisturbed()
    {
        using var fixture = ModelFixture.Create(Base);
        var requests = Requests(4, Base.Vocab, 53).Select(request => request with { MaxNewTokens = 14 }).ToArray();
        var alone = await Alone(fixture, requests);
        using var scheduler = new GenerationScheduler(fixture.Model, new GenerationSchedulerOptions { MaxBatch = 4 });
        using var cancellation = new CancellationTokenSource();

        var cancelled = new List<int>();
        var victim = Task.Run(async () =>
        {
            await foreach (var token in scheduler.GenerateAsync(requests[1].Prompt, Greedy(requests[1].MaxNewTokens), cancellation.Token))
            {
                cancelled.Add(token);
                if (cancelled.Count == 3)
                {
                    await cancellation.CancelAsync();
                }
            }
        });
        var others = new[] { 0, 2, 3 }.Select(i => Task.Run(() => Collect(scheduler.GenerateAsync(requests[i].Prompt, Greedy(requests[i].MaxNewTokens))))).ToArray();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => victim);
        var results = await Task.WhenAll(others);

        Assert.Equal(3, cancelled.Count);
        Assert.Equal(alone[1].Take(3), cancelled);
        Assert.Equal(alone[0], results[0]);
        Assert.Equal(alone[2], results[1]);
        Assert.Equal(alone[3], results[2]);
        Assert.Equal(0, scheduler.Running);
        Assert.Equal(0, scheduler.KvBytesInUse);
    }

    [Fact]
    public async Task LeavingTheStreamEarly_FreesTheSlot()
    {
        using var fixture = ModelFixture.Create(Base);
        var prompt = ModelFixture.Tokens(5, Base.Vocab, 3);
        using var scheduler = new GenerationScheduler(fixture.Model, new GenerationSchedulerOptions { MaxBatch = 1, MaxQueuedRequests = 0 });

        await foreach (var _ in scheduler.GenerateAsync(prompt, Greedy(50)))
        {
            break;
        }

        // The slot is free again: the next request is admitted, not refused.
        var tokens = await Collect(scheduler.GenerateAsync(prompt, Greedy(3)));
        Assert.Equal(3, tokens.Count);
    }

    [Fact]
    public async Task FullKvBudget_MakesRequestsWait_AndRefusesBeyondTheQueue()
    {
        using var fixture = ModelFixture.Create(Base);
        var model = fixture.Model;
        var prompt = ModelFixture.Tokens(10, Base.Vocab, 7);
        var options = Greedy(240);
        var need = model.KvCacheBytes(prompt.Length + options.MaxNewTokens);
        // Room for one such request and a half: the second waits for memory although slots are free.
        using var scheduler = new GenerationScheduler(model, new GenerationSchedulerOptions
        {
            MaxBatch = 4,
            KvCacheBytes = need + (need / 2),
            MaxQueuedRequests = 1,
        });

        // A stream enters the queue at its first move, before that move awaits anything.
        await using var first = scheduler.GenerateAsync(prompt, options).GetAsyncEnumerator();
        var firstMove = first.MoveNextAsync();
        await using var second = scheduler.GenerateAsync(prompt, options).GetAsyncEnumerator();
        var secondMove = second.MoveNextAsync();
        Assert.Equal(1, scheduler.Running);
        Assert.Equal(1, scheduler.Waiting);
        Assert.Equal(need, scheduler.KvBytesInUse);

        var refused = await Assert.ThrowsAsync<ModelBusyException>(() => Collect(scheduler.GenerateAsync(prompt, options)));
        Assert.Equal(1, refused.Running);
        Assert.Equal(1, refused.Waiting);

        // A request that could never fit is refused as a bad request, not queued.
        Assert.Throws<ArgumentException>(() => scheduler.GenerateAsync(ModelFixture.Tokens(scheduler.SlotCapacity, Base.Vocab, 1), Greedy(1)));

        // The first leaves after one token; the second is admitted into its memory and runs to the end.
        Assert.True(await firstMove);
        await first.DisposeAsync();
        var secondTokens = new List<int>();
        for (var more = await secondMove; more; more = await second.MoveNextAsync())
        {
            secondTokens.Add(second.Current);
        }

        var alone = await Collect(new TokenGenerator(model).GenerateAsync(prompt, options));
        Assert.Equal(alone, secondTokens);
        Assert.Equal(0, scheduler.Waiting);
        Assert.Equal(0, scheduler.KvBytesInUse);
        output.WriteLine($"need {need} bytes per request, budget {scheduler.KvBytesBudget}, slot {scheduler.SlotCapacity} tokens");
    }

    [Fact]
    public void Budget_BoundsTheSlots()
    {
        using var fixture = ModelFixture.Create(Base);
        var model = fixture.Model;
        using (var scheduler = new GenerationScheduler(model, new GenerationSchedulerOptions { MaxBatch = 2, KvCacheBytes = model.KvCacheBytes(40) + 1 }))
        {
            Assert.Equal(40, scheduler.SlotCapacity);
            Assert.Equal(2 * model.KvCacheBytes(40), scheduler.ReservedBytes);
        }

        using (var scheduler = new GenerationScheduler(model))
        {
            Assert.Equal(model.ContextLength, scheduler.SlotCapacity);
        }

        Assert.Throws<ArgumentException>(() => new GenerationScheduler(model, new GenerationSchedulerOptions { KvCacheBytes = 1 }));
        Assert.Throws<ArgumentException>(() => new GenerationScheduler(model, new GenerationSchedulerOptions { MaxBatch = 0 }));
        Assert.Throws<ArgumentException>(() => new GenerationScheduler(model, new GenerationSchedulerOptions { MaxBatch = GenerationSchedulerOptions.MaxBatchLimit + 1 }));
        Assert.Equal(0, model.LiveCaches);
    }

    [Fact]
    public async Task Dispose_EndsRunningAndWaitingStreams()
    {
        using var fixture = ModelFixture.Create(Base);
        var prompt = ModelFixture.Tokens(4, Base.Vocab, 2);
        var scheduler = new GenerationScheduler(fixture.Model, new GenerationSchedulerOptions { MaxBatch = 1 });
        var running = Collect(scheduler.GenerateAsync(prompt, Greedy(250)));
        var waiting = Collect(scheduler.GenerateAsync(prompt, Greedy(5)));
        Assert.Equal(1, scheduler.Waiting);

        scheduler.Dispose();

        await Assert.ThrowsAsync<ObjectDisposedException>(() => running);
        await Assert.ThrowsAsync<ObjectDisposedException>(() => waiting);
        Assert.Equal(0, fixture.Model.LiveCaches);
        await Assert.ThrowsAsync<ObjectDisposedException>(() => Collect(scheduler.GenerateAsync(prompt, Greedy(1))));
    }

}
