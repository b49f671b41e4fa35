using QwenRag.Core;

namespace QwenRag.Hosting.Tests;

public sealed class AnswerQueueTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task EnterAsync_Idle_RunsAtOnceAndExitFreesIt()
    {
        var queue = new AnswerQueue(2);

        var turn = await queue.EnterAsync();
        Assert.Equal((1, 0), (queue.Running, queue.Waiting));
        turn.Dispose();

        Assert.Equal((0, 0), (queue.Running, queue.Waiting));
        (await queue.EnterAsync()).Dispose();
    }

    [Fact]
    public async Task EnterAsync_Full_RefusedAtOnceWithCounts()
    {
        var queue = new AnswerQueue(2);
        using var running = await queue.EnterAsync();
        var first = queue.EnterAsync();
        var second = queue.EnterAsync();

        var busy = await Assert.ThrowsAsync<ModelBusyException>(() => queue.EnterAsync());

        Assert.Equal((1, 2), (busy.Running, busy.Waiting));
        Assert.Contains("1 generation is running and 2 requests are waiting", busy.Message, StringComparison.Ordinal);
        Assert.Contains("Retry", busy.Message, StringComparison.Ordinal);
        Assert.False(first.IsCompleted);
        Assert.False(second.IsCompleted);
        Assert.Equal((1, 2), (queue.Running, queue.Waiting));
    }

    [Fact]
    public async Task EnterAsync_NoWaitingAllowed_SecondRefusedUntilFirstExits()
    {
        var queue = new AnswerQueue(0);
        var turn = await queue.EnterAsync();

        var busy = await Assert.ThrowsAsync<ModelBusyException>(() => queue.EnterAsync());
        turn.Dispose();

        Assert.Equal((1, 0), (busy.Running, busy.Waiting));
        (await queue.EnterAsync()).Dispose();
    }

    [Fact]
    public async Task EnterAsync_CancelledWhileWaiting_LeavesAndFreesItsPlace()
    {
        var queue = new AnswerQueue(1);
        using var running = await queue.EnterAsync();
        using var cancel = new CancellationTokenSource();
        var waiting = queue.EnterAsync(cancel.Token);
        Assert.Equal(1, queue.Waiting);

        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting);
        Assert.Equal((1, 0), (queue.Running, queue.Waiting));
        var next = queue.EnterAsync();
        Assert.Equal(1, queue.Waiting);
        running.Dispose();
        (await next.WaitAsync(Timeout)).Dispose();
        Assert.Equal((0, 0), (queue.Running, queue.Waiting));
    }

    [Fact]
    public async Task EnterAsync_AlreadyCancelled_ThrowsWithoutQueueing()
    {
        var queue = new AnswerQueue(1);
        using var running = await queue.EnterAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => queue.EnterAsync(new CancellationToken(canceled: true)));

        Assert.Equal(0, queue.Waiting);
    }

    [Fact]
    public async Task Exit_HandsTheTurnToWaitersInArrivalOrder()
    {
        var queue = new AnswerQueue(3);
        var order = new List<int>();
        var turn = await queue.EnterAsync();
        var waiters = Enumerable.Range(1, 3).Select(async n =>
        {
            using var mine = await queue.EnterAsync();
            lock (order)
            {
                order.Add(n);
            }
        }).ToArray();
        Assert.Equal(3, queue.Waiting);

        turn.Dispose();
        await Task.WhenAll(waiters).WaitAsync(Timeout);

        Assert.Equal([1, 2, 3], order);
        Assert.Equal((0, 0), (queue.Running, queue.Waiting));
    }

    [Fact]
    public async Task Exit_NewcomerDoesNotOvertakeAWaiter()
    {
        var queue = new AnswerQueue(1);
        var turn = await queue.EnterAsync();
        var waiter = queue.EnterAsync();

        turn.Dispose();
        var newcomer = queue.EnterAsync();

        var waiterTurn = await waiter.WaitAsync(Timeout);
        Assert.False(newcomer.IsCompleted);
        Assert.Equal((1, 1), (queue.Running, queue.Waiting));
        waiterTurn.Dispose();
        (await newcomer.WaitAsync(Timeout)).Dispose();
    }

    [Fact]
    public async Task Turn_DisposedTwice_GivesTheTurnBackOnce()
    {
        var queue = new AnswerQueue(1);
        var first = await queue.EnterAsync();
        var second = queue.EnterAsync();
        first.Dispose();
        using var secondTurn = await second.WaitAsync(Timeout);

        first.Dispose();

        Assert.Equal(1, queue.Running);
        var third = queue.EnterAsync();
        Assert.False(third.IsCompleted);
        Assert.Equal(1, queue.Waiting);
        secondTurn.Dispose();
        (await third.WaitAsync(Timeout)).Dispose();
    }

    [Fact]
    public async Task EnterAsync_TwoSlots_TwoRunAtOnceThirdWaitsForAnExit()
    {
        var queue = new AnswerQueue(maxWaiting: 1, slots: 2);
        var first = await queue.EnterAsync();
        using var second = await queue.EnterAsync();
        var third = queue.EnterAsync();

        Assert.False(third.IsCompleted);
        Assert.Equal((2, 1), (queue.Running, queue.Waiting));
        var busy = await Assert.ThrowsAsync<ModelBusyException>(() => queue.EnterAsync());
        Assert.Equal((2, 1), (busy.Running, busy.Waiting));

        first.Dispose();
        (await third.WaitAsync(Timeout)).Dispose();
        Assert.Equal((1, 0), (queue.Running, queue.Waiting));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    public async Task ManyCallers_AtMostSlotsRunAtOnce_CountsStayInBounds(int slots)
    {
        const int maxWaiting = 3;
        var queue = new AnswerQueue(maxWaiting, slots);
        var inside = 0;
        var maxInside = 0;
        var refused = 0;
        var cancelled = 0;
        var completed = 0;
        var badCount = false;
        using var stop = new CancellationTokenSource();
        var sampler = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                var (running, waiting) = (queue.Running, queue.Waiting);
                badCount |= running < 0 || running > slots || waiting is < 0 or > maxWaiting;
                await Task.Yield();
            }
        });

        var callers = Enumerable.Range(0, 400).Select(i => Task.Run(async () =>
        {
            using var cancel = new CancellationTokenSource();
            if (i % 3 == 0)
            {
                cancel.CancelAfter(TimeSpan.FromMilliseconds(i % 7));
            }

            try
            {
                using var turn = await queue.EnterAsync(cancel.Token);
                var now = Interlocked.Increment(ref inside);
                InterlockedMax(ref maxInside, now);
                await Task.Delay(i % 2);
                Interlocked.Decrement(ref inside);
                Interlocked.Increment(ref completed);
            }
            catch (ModelBusyException)
            {
                Interlocked.Increment(ref refused);
            }
            catch (OperationCanceledException)
            {
                Interlocked.Increment(ref cancelled);
            }
        })).ToArray();
        await Task.WhenAll(callers).WaitAsync(TimeSpan.FromMinutes(2));
        await stop.CancelAsync();
        await sampler;

        Assert.InRange(maxInside, 1, slots);
        Assert.False(badCount, "a count went out of bounds");
        Assert.Equal(400, completed + refused + cancelled);
        Assert.True(completed > 0 && refused > 0, $"completed {completed}, refused {refused}, cancelled {cancelled}");
        Assert.Equal((0, 0), (queue.Running, queue.Waiting));
        (await queue.EnterAsync()).Dispose();
    }

    [Fact]
    public void Constructor_NegativeBoundOrNoSlot_Throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new AnswerQueue(-1));
        Assert.Throws<ArgumentOutOfRangeException>(() => new AnswerQueue(1, slots: 0));
    }

    private static void InterlockedMax(ref int target, int value)
    {
        var current = Volatile.Read(ref target);
        while (value > current)
        {
            var seen = Interlocked.CompareExchange(ref target, value, current);
            if (seen == current)
            {
                return;
            }

            current = seen;
        }
    }
}
