using System.Globalization;

namespace QwenRag.Cli.Commands;

/// <summary>
/// The largest anonymous resident memory (RssAnon, Linux) seen while it runs, sampled every 50 ms. Unlike the peak
/// working set it leaves out the memory-mapped checkpoint pages, which the kernel can drop at any time, so it is the
/// memory a build really needs.
/// </summary>
internal sealed class PrivateMemoryPeak : IDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _sampler;
    private long _peak;

    public PrivateMemoryPeak()
    {
        _sampler = Task.Run(async () =>
        {
            while (!_stop.IsCancellationRequested)
            {
                Sample();
                try
                {
                    await Task.Delay(50, _stop.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        });
    }

    /// <summary>Bytes; null where /proc/self/status has no RssAnon (not Linux).</summary>
    public long? PeakBytes
    {
        get
        {
            Sample();
            return Interlocked.Read(ref _peak) is > 0 and var peak ? peak : null;
        }
    }

    public void Dispose()
    {
        _stop.Cancel();
        _sampler.Wait();
        _stop.Dispose();
    }

    private void Sample()
    {
        if (Current() is not long bytes)
        {
            return;
        }

        long seen;
        do
        {
            seen = Interlocked.Read(ref _peak);
        }
        while (bytes > seen && Interlocked.CompareExchange(ref _peak, bytes, seen) != seen);
    }

    private static long? Current()
    {
        try
        {
            foreach (var line in File.ReadLines("/proc/self/status"))
            {
                if (line.StartsWith("RssAnon:", StringComparison.Ordinal))
                {
                    var kilobytes = line["RssAnon:".Length..].Trim().Split(' ')[0];
                    return long.Parse(kilobytes, CultureInfo.InvariantCulture) * 1024;
                }
            }
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }

        return null;
    }
}
