using System.Text;
using System.Text.Json;
using Microsoft.Playwright;

namespace QwenRag.Console.Tests;

/// <summary>
/// axe-core (axe/axe.min.js, copied to the output) evaluated in the page through the DevTools protocol, which the
/// console's CSP (<c>script-src 'self'</c>, no inline scripts) does not govern, so the audit leaves the CSP on.
/// </summary>
internal static class Axe
{
    private static readonly Lazy<string> Source = new(() =>
        File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "axe", "axe.min.js")));

    /// <summary>Runs axe on the whole page and returns every violation (id, impact, help, nodes).</summary>
    public static async Task<JsonElement[]> RunAsync(IPage page)
    {
        var loaded = await page.EvaluateAsync<bool>("() => typeof window.axe === 'object'");
        if (!loaded)
        {
            await page.EvaluateAsync("() => {\n" + Source.Value + "\n}");
        }

        var json = await page.EvaluateAsync<string>(
            """
            async () => {
              const results = await window.axe.run(document, { resultTypes: ['violations'] });
              return JSON.stringify(results.violations.map(v => ({
                id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.map(n => ({ target: n.target.join(' '), summary: n.failureSummary }))
              })));
            }
            """);
        using var document = JsonDocument.Parse(json);
        return [.. document.RootElement.EnumerateArray().Select(v => v.Clone())];
    }

    /// <summary>Runs axe on the whole page and fails on any violation of impact serious or critical, listing them all.</summary>
    public static async Task AssertNoSeriousViolationsAsync(IPage page, string screen)
    {
        var violations = await RunAsync(page);
        var serious = violations.Count(v => v.GetProperty("impact").GetString() is "serious" or "critical");
        if (serious == 0)
        {
            return;
        }

        var message = new StringBuilder($"axe found {serious} serious or critical violation(s) on {screen} ({page.Url}); all violations:\n");
        foreach (var violation in violations)
        {
            message.Append(CultureInvariant($"- [{violation.GetProperty("impact").GetString()}] {violation.GetProperty("id").GetString()}: {violation.GetProperty("help").GetString()}\n"));
            foreach (var node in violation.GetProperty("nodes").EnumerateArray())
            {
                message.Append(CultureInvariant($"    {node.GetProperty("target").GetString()}: {node.GetProperty("summary").GetString()?.ReplaceLineEndings(" ")}\n"));
            }
        }

        Assert.Fail(message.ToString());
    }

    private static string CultureInvariant(FormattableString text) => FormattableString.Invariant(text);
}
