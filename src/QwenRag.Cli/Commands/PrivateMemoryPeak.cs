using System.Globalization;

namespace QwenRag.Cli.Commands;

/// <summary>
/// The largest anonymous resident memory (RssAnon, Linux) seen while some work runs, sampled every 50 ms. Unlike the
/// peak working set it leaves out the memory-mapped checkpoint pages, which the kernel can drop at any time, so it is
/// the memory a build really needs.
/// </summary>
internal static class PrivateMemoryPeak
{
    /// <summary>The work's result and the peak in bytes; null where /proc/self/status has no RssAnon (not Linux).</summary>
    public static (T Result, long? PeakBytes) Measure<T>(Func<T> work)
    {
        long peak = 0;
        using var stop = new CancellationTokenSource();
        var sampler = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                peak = Math.Max(peak, Current() ?? 0);
                try
                {
                    await Task.Delay(50, stop.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                }
            }
        });

        T result;
        try
        {
            result = work();
        }
        finally
        {
            stop.Cancel();
            sampler.Wait();
        }

        peak = Math.Max(peak, Current() ?? 0);
        return (result, peak > 0 ? peak : null);
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
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
        }

        return null;
    }
}
