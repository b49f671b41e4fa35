namespace QwenRag.Core;

/// <summary>
/// Frees a native resource (an ONNX Runtime session) once its owner is disposed and the last run still using it has
/// finished, so a dispose during a run never frees memory under it. Runs enter with <see cref="Enter"/> and leave by
/// disposing the scope; entering after disposal throws <see cref="ObjectDisposedException"/>.
/// </summary>
public sealed class LastUserRelease(string owner, Action release) : IDisposable
{
    private int _users;
    private int _disposed;
    private int _released;

    /// <summary>Marks one run as using the resource until the scope is disposed.</summary>
    /// <exception cref="ObjectDisposedException">The owner is disposed.</exception>
    public Scope Enter()
    {
        Interlocked.Increment(ref _users);
        if (Volatile.Read(ref _disposed) != 0)
        {
            Exit();
            throw new ObjectDisposedException(owner);
        }

        return new Scope(this);
    }

    /// <summary>The owner is done: the resource is freed now, or when the last run leaves.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0 && Volatile.Read(ref _users) == 0)
        {
            Release();
        }
    }

    private void Exit()
    {
        if (Interlocked.Decrement(ref _users) == 0 && Volatile.Read(ref _disposed) != 0)
        {
            Release();
        }
    }

    private void Release()
    {
        if (Interlocked.Exchange(ref _released, 1) == 0)
        {
            release();
        }
    }

    /// <summary>One run's use of the resource.</summary>
    public readonly struct Scope : IDisposable
    {
        private readonly LastUserRelease? _gate;

        internal Scope(LastUserRelease gate) => _gate = gate;

        public void Dispose() => _gate?.Exit();
    }
}
