using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;
using QwenRag.Core;
using QwenRag.Generation.Chat;

namespace QwenRag.Generation.Tests.Chat;

public sealed class GenerationQueueChatClientTests
{
    private static readonly ChatMessage[] Messages = [new(ChatRole.User, "Hi")];

    private static async Task Until(Func<bool> condition)
    {
        while (!condition())
        {
            await Task.Delay(1);
        }
    }

    [Fact]
    public async Task FullQueue_RefusedBeforeTheFirstToken_StreamingAndNot()
    {
        using var model = new GatedChatClient();
        using var queue = new GenerationQueueChatClient(model, maxQueued: 0);
        await using var first = queue.GetStreamingResponseAsync(Messages).GetAsyncEnumerator();
        Assert.True(await first.MoveNextAsync());
        Assert.Equal((1, 0), (queue.Running, queue.Waiting));

        var busy = await Assert.ThrowsAsync<ModelBusyException>(() => queue.GetResponseAsync(Messages));
        // The stream is created at the call; a caller that primes it sees the refusal as an exception.
        var stream = queue.GetStreamingResponseAsync(Messages);
        await using var primed = stream.GetAsyncEnumerator();
        await Assert.ThrowsAsync<ModelBusyException>(async () => await primed.MoveNextAsync());

        Assert.Equal((1, 0), (busy.Running, busy.Waiting));
        Assert.Equal(1, model.Started);
        model.Open();
        while (await first.MoveNextAsync())
        {
        }

        Assert.Equal((0, 0), (queue.Running, queue.Waiting));
        var again = await queue.GetResponseAsync(Messages);
        Assert.Equal("a b", again.Text);
    }

    [Fact]
    public async Task Waiting_WithinTheBound_RunsOneAtATimeInOrder()
    {
        using var model = new GatedChatClient();
        using var queue = new GenerationQueueChatClient(model, maxQueued: 2);

        var requests = Enumerable.Range(0, 3).Select(_ => queue.GetResponseAsync(Messages)).ToList();
        await Until(() => queue.Waiting == 2);
        await Assert.ThrowsAsync<ModelBusyException>(() => queue.GetResponseAsync(Messages));
        Assert.Equal(1, model.Started);

        model.Open();
        var responses = await Task.WhenAll(requests);

        Assert.All(responses, response => Assert.Equal("a b", response.Text));
        Assert.Equal(3, model.Started);
        Assert.Equal(1, model.MostAtOnce);
        Assert.Equal((0, 0), (queue.Running, queue.Waiting));
    }

    [Fact]
    public async Task CancelWhileWaiting_LeavesTheQueue()
    {
        using var model = new GatedChatClient();
        using var queue = new GenerationQueueChatClient(model, maxQueued: 1);
        var running = queue.GetResponseAsync(Messages);
        await Until(() => queue.Running == 1);
        using var cancellation = new CancellationTokenSource();
        var waiting = queue.GetResponseAsync(Messages, cancellationToken: cancellation.Token);
        await Until(() => queue.Waiting == 1);

        await cancellation.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting);
        Assert.Equal(0, queue.Waiting);
        model.Open();
        await running;
        Assert.Equal(1, model.Started);
    }

    [Fact]
    public async Task DisposedStream_GivesTheTurnBack()
    {
        using var model = new GatedChatClient();
        using var queue = new GenerationQueueChatClient(model, maxQueued: 0);
        await using (var stream = queue.GetStreamingResponseAsync(Messages).GetAsyncEnumerator())
        {
            Assert.True(await stream.MoveNextAsync());
        }

        Assert.Equal(0, queue.Running);
        model.Open();
        Assert.Equal("a b", (await queue.GetResponseAsync(Messages)).Text);
    }

    [Fact]
    public void UseGenerationQueue_BuildsTheQueueOverTheClient()
    {
        using var model = new GatedChatClient();

        using var client = new ChatClientBuilder(model).UseGenerationQueue(3).Build();

        var queue = Assert.IsType<GenerationQueueChatClient>(client);
        Assert.Equal(3, queue.MaxQueued);
        Assert.Same(model, client.GetService<GatedChatClient>());
        Assert.Same(queue, client.GetService<GenerationQueueChatClient>());
        Assert.Throws<ArgumentOutOfRangeException>(() => new ChatClientBuilder(model).UseGenerationQueue(-1));
    }

    /// <summary>Streams "a", then waits for <see cref="Open"/> before " b"; counts generations and how many overlap.</summary>
    private sealed class GatedChatClient : IChatClient
    {
        private readonly TaskCompletionSource _gate = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _running;
        private int _started;
        private int _mostAtOnce;

        public int Started => Volatile.Read(ref _started);

        public int MostAtOnce => Volatile.Read(ref _mostAtOnce);

        public void Open() => _gate.TrySetResult();

        public async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
            await GetStreamingResponseAsync(messages, options, cancellationToken).ToChatResponseAsync(cancellationToken);

        public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
            IEnumerable<ChatMessage> messages, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
        {
            Interlocked.Increment(ref _started);
            var now = Interlocked.Increment(ref _running);
            InterlockedMax(ref _mostAtOnce, now);
            try
            {
                yield return new ChatResponseUpdate(ChatRole.Assistant, "a");
                await _gate.Task.WaitAsync(cancellationToken);
                yield return new ChatResponseUpdate(ChatRole.Assistant, " b");
            }
            finally
            {
                Interlocked.Decrement(ref _running);
            }
        }

        public object? GetService(Type serviceType, object? serviceKey = null) =>
            serviceKey is null && serviceType.IsInstanceOfType(this) ? this : null;

        public void Dispose()
        {
        }

        private static void InterlockedMax(ref int target, int value)
        {
            int seen;
            while ((seen = Volatile.Read(ref target)) < value && Interlocked.CompareExchange(ref target, value, seen) != seen)
            {
            }
        }
    }
}
