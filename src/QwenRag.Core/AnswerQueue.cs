namespace QwenRag.Core;

/// <summary>
/// Admits at most <see cref="Slots"/> answers at a time and lets at most <see cref="MaxWaiting"/> more wait, first
/// come first served. A request that finds the queue full is refused at once (<see cref="ModelBusyException"/>); a
/// waiting request whose caller cancels leaves the queue. One lock guards the running count and the waiters, so the
/// counts are exact at every moment. It bounds the CPU that answering takes, so that searches stay fast while
/// questions wait their turn.
/// </summary>
public sealed class AnswerQueue
{
    private readonly object _lock = new();
    private readonly LinkedList<TaskCompletionSource> _waiting = new();
    private int _running;

    /// <param name="maxWaiting">Requests allowed to wait while all slots answer; 0 admits only the running ones.</param>
    /// <param name="slots">Answers computed at once.</param>
    public AnswerQueue(int maxWaiting, int slots = 1)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxWaiting);
        ArgumentOutOfRangeException.ThrowIfLessThan(slots, 1);
        MaxWaiting = maxWaiting;
        Slots = slots;
    }

    public int MaxWaiting { get; }

    public int Slots { get; }

    /// <summary>Answers running now: 0 to <see cref="Slots"/>.</summary>
    public int Running
    {
        get
        {
            lock (_lock)
            {
                return _running;
            }
        }
    }

    /// <summary>Requests waiting now.</summary>
    public int Waiting
    {
        get
        {
            lock (_lock)
            {
                return _waiting.Count;
            }
        }
    }

    /// <summary>
    /// Completes when the caller may answer; dispose the result to let the next one in. Throws
    /// <see cref="ModelBusyException"/> at once when the queue is full, and <see cref="OperationCanceledException"/>
    /// when <paramref name="cancellationToken"/> fires while waiting (the caller then no longer counts as waiting).
    /// </summary>
    public async Task<IDisposable> EnterAsync(CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        LinkedListNode<TaskCompletionSource> node;
        lock (_lock)
        {
            if (_running < Slots)
            {
                _running++;
                return new Turn(this);
            }

            if (_waiting.Count >= MaxWaiting)
            {
                throw new ModelBusyException(_running, _waiting.Count);
            }

            node = _waiting.AddLast(new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        }

        using (cancellationToken.Register(() => Abandon(node, cancellationToken)))
        {
            await node.Value.Task.ConfigureAwait(false);
        }

        return new Turn(this);
    }

    private void Abandon(LinkedListNode<TaskCompletionSource> node, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            // Already handed the turn: the caller owns it now and gives it back when it stops.
            if (node.List is null)
            {
                return;
            }

            _waiting.Remove(node);
        }

        node.Value.TrySetCanceled(cancellationToken);
    }

    private void Exit()
    {
        TaskCompletionSource next;
        lock (_lock)
        {
            if (_waiting.First is not { } first)
            {
                _running--;
                return;
            }

            // The turn passes straight to the first waiter, so nobody arriving meanwhile can slip in ahead of it.
            _waiting.RemoveFirst();
            next = first.Value;
        }

        next.TrySetResult();
    }

    /// <summary>One admitted answer; disposing it twice gives the turn back once.</summary>
    private sealed class Turn(AnswerQueue queue) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                queue.Exit();
            }
        }
    }
}
