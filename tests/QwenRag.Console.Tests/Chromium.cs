namespace QwenRag.Console.Tests;

/// <summary>
/// Debian's <c>chromium</c> (CI installs it in <c>.ci/run</c>; <c>playwright install</c> cannot download browsers here).
/// <c>QWENRAG_CHROMIUM</c> names another binary. Missing, the console tests fail with this message rather than skip.
/// </summary>
internal static class Chromium
{
    public static readonly string[] Arguments =
        ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync"];

    public static string Locate()
    {
        var configured = Environment.GetEnvironmentVariable("QWENRAG_CHROMIUM");
        if (!string.IsNullOrWhiteSpace(configured))
        {
            return File.Exists(configured)
                ? configured
                : throw new InvalidOperationException($"QWENRAG_CHROMIUM names {configured}, which does not exist.");
        }

        var path = Environment.GetEnvironmentVariable("PATH") ?? string.Empty;
        foreach (var directory in path.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(directory, "chromium");
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new InvalidOperationException(
            "The console's browser tests need Chromium, and no `chromium` is on PATH. Install Debian's package " +
            "(`apt-get install -y chromium`, as .ci/run does) or set QWENRAG_CHROMIUM to a Chromium binary.");
    }
}
