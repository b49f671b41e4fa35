namespace QwenRag.Hosting.Worker;

/// <summary>
/// Capped exponential backoff with jitter: the n-th retry waits about <c>initial * 2^(n-1)</c>, never more than
/// <c>maximum</c>, scaled by a random factor in [0.8, 1.2) so that workers that failed together do not retry together.
/// </summary>
public static class RetryBackoff
{
    public static TimeSpan Delay(int retry, TimeSpan initial, TimeSpan maximum, Random? random = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(retry, 1);
        var exponent = Math.Min(retry - 1, 30);
        var capped = Math.Min(initial.TotalMilliseconds * Math.Pow(2, exponent), maximum.TotalMilliseconds);
        var jitter = 0.8 + (0.4 * (random ?? Random.Shared).NextDouble());
        return TimeSpan.FromMilliseconds(Math.Min(capped * jitter, maximum.TotalMilliseconds));
    }
}
