using System.Globalization;

namespace QwenRag.Generation.Benchmarks;

/// <summary>
/// Samples RssAnon from /proc/self/status (Linux) every 10 ms: resident memory without file-backed pages, so a
/// memory-mapped checkpoint does not count. <see cref="Peak"/> is 0 where /proc is missing.
/// </summary>
internal sealed class AnonymousMemorySampler : IDisposable
{
    private readonly Timer _timer;
    private long _peak;

    public AnonymousMemorySampler()
    {
        _timer = new Timer(_ => Sample(), null, TimeSpan.Zero, TimeSpan.FromMilliseconds(10));
    }

    public long Peak
    {
        get
        {
            Sample();
            return Interlocked.Read(ref _peak);
        }
    }

    public void Dispose() => _timer.Dispose();

    private void Sample()
    {
        try
        {
            foreach (var line in File.ReadLines("/proc/self/status"))
            {
                if (line.StartsWith("RssAnon:", StringComparison.Ordinal))
                {
                    var kib = long.Parse(line["RssAnon:".Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
                    var bytes = kib * 1024;
                    long current;
                    while (bytes > (current = Interlocked.Read(ref _peak)) && Interlocked.CompareExchange(ref _peak, bytes, current) != current)
                    {
                    }

                    return;
                }
            }
        }
        catch (IOException)
        {
        }
    }
}
