using System.Diagnostics;

namespace QwenRag.Cli.Bench;

/// <summary>Starts this very program again (as <c>qwenrag</c> or <c>dotnet qwenrag.dll</c>), for benchmarks that need a fresh process.</summary>
internal static class SelfProcess
{
    public static ProcessStartInfo StartInfo(IEnumerable<string> arguments)
    {
        var start = new ProcessStartInfo(Environment.ProcessPath!)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        if (Environment.ProcessPath!.EndsWith("dotnet", StringComparison.Ordinal))
        {
            start.ArgumentList.Add(typeof(SelfProcess).Assembly.Location);
        }

        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        return start;
    }
}
