namespace QwenRag.Hosting.Worker;

/// <summary>
/// Keeps a failure that repeats (every poll, every heartbeat: "database or disk is full") from filling the log:
/// the first occurrence of an error is logged, identical ones within <c>interval</c> are only counted, and the
/// next one logged after it says how many were held back.
/// </summary>
internal sealed class RepeatedErrorFilter(TimeSpan interval, TimeProvider? time = null)
{
    private readonly TimeProvider _time = time ?? TimeProvider.System;
    private readonly Lock _gate = new();
    private readonly Dictionary<string, (long LoggedAt, int Suppressed)> _seen = new(StringComparer.Ordinal);

    /// <summary>Whether to log <paramref name="exception"/> now; <paramref name="suppressed"/>: identical ones not logged since.</summary>
    public bool ShouldLog(Exception exception, out int suppressed)
    {
        var key = exception.GetType().FullName + ": " + exception.Message;
        var now = _time.GetTimestamp();
        lock (_gate)
        {
            if (_seen.TryGetValue(key, out var seen) && _time.GetElapsedTime(seen.LoggedAt, now) < interval)
            {
                _seen[key] = (seen.LoggedAt, seen.Suppressed + 1);
                suppressed = 0;
                return false;
            }

            suppressed = seen.Suppressed;
            if (_seen.Count >= 64)
            {
                _seen.Clear(); // bounded: a flood of distinct errors is not remembered forever
            }

            _seen[key] = (now, 0);
            return true;
        }
    }
}
