using QwenRag.Core;

namespace QwenRag.Generation.Answering;

/// <summary>
/// Admits one generation at a time and lets at most <see cref="MaxWaiting"/> more wait for it, first come first
/// served. A request that finds the queue full is refused at once (<see cref="ModelBusyException"/>); a waiting
/// request whose caller cancels leaves the queue. One lock guards the running flag and the waiters, so the counts
/// are exact at every moment.
/// </summary>
internal sealed class GenerationQueue
{
    private readonly object _lock = new();
    private readonly LinkedList<TaskCompletionSource> _waiting = new();
    private bool _running;

    /// <param name="maxWaiting">Requests allowed to wait while one generates; 0 admits only the running one.</param>
    public GenerationQueue(int maxWaiting)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxWaiting);
        MaxWaiting = maxWaiting;
    }

    public int MaxWaiting { get; }

    /// <summary>Generations running now: 0 or 1.</summary>
    public int Running
    {
        get
        {
            lock (_lock)
            {
                return _running ? 1 : 0;
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
    /// Completes when the caller may generate; dispose the result to let the next one in. Throws
    /// <see cref="ModelBusyException"/> at once when the queue is full, and <see cref="OperationCanceledException"/>
    /// when <paramref name="cancellationToken"/> fires while waiting (the caller then no longer counts as waiting).
    /// </summary>
    public async Task<IDisposable> EnterAsync(CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        LinkedListNode<TaskCompletionSource> node;
        lock (_lock)
        {
            if (!_running)
            {
                _running = true;
                return new Turn(this);
            }

            if (_waiting.Count >= MaxWaiting)
            {
                throw new ModelBusyException(1, _waiting.Count);
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
                _running = false;
                return;
            }

            // The turn passes straight to the first waiter, so nobody arriving meanwhile can slip in ahead of it.
            _waiting.RemoveFirst();
            next = first.Value;
        }

        next.TrySetResult();
    }

    /// <summary>One admitted generation; disposing it twice gives the turn back once.</summary>
    private sealed class Turn(GenerationQueue queue) : IDisposable
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
