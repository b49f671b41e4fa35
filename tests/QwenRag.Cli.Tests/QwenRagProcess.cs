using System.Diagnostics;
using System.Text.Json;

namespace QwenRag.Cli.Tests;

/// <summary>Runs the real <c>qwenrag</c> program in its own process, as a user would.</summary>
internal static class QwenRagProcess
{
    public sealed record Result(int ExitCode, string Stdout, string Stderr)
    {
        public JsonElement Json() => JsonDocument.Parse(Stdout).RootElement;
    }

    public static async Task<Result> RunAsync(string dataDirectory, params string[] arguments)
    {
        var start = StartInfo(dataDirectory, [.. arguments, "--data", dataDirectory]);
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        await process.WaitForExitAsync(timeout.Token);
        return new Result(process.ExitCode, await stdout, await stderr);
    }

    /// <summary><c>dotnet qwenrag.dll</c> with <paramref name="arguments"/>, run in <paramref name="dataDirectory"/>, its output redirected.</summary>
    public static ProcessStartInfo StartInfo(string dataDirectory, IEnumerable<string> arguments)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = dataDirectory,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "qwenrag.dll"));
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        return start;
    }
}
