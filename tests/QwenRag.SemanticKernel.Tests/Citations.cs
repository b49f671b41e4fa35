using System.Globalization;
using System.Text.RegularExpressions;

namespace QwenRag.SemanticKernel.Tests;

/// <summary>Reads back what the functions print: the Sources list of <c>ask</c> and the passage headers of <c>search</c>.</summary>
public static partial class Citations
{
    public static IReadOnlyList<(int Number, string Document, int Page)> Sources(string answer)
    {
        var at = answer.IndexOf("\n\nSources:", StringComparison.Ordinal);
        Assert.True(at >= 0, $"no Sources list in: {answer}");
        return [.. SourceLine().Matches(answer[at..]).Select(match => (
            int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture),
            match.Groups[2].Value,
            int.Parse(match.Groups[3].Value, CultureInfo.InvariantCulture)))];
    }

    /// <summary>The [n] markers of the answer text before its Sources list.</summary>
    public static IReadOnlyList<int> Markers(string answer) =>
        [.. Marker().Matches(answer[..answer.IndexOf("\n\nSources:", StringComparison.Ordinal)])
            .Select(match => int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture)).Distinct()];

    public static IReadOnlyList<(string Document, int Page, int PageEnd, string Text)> Passages(string search) =>
        [.. PassageHeader().Matches(search).Select(match => (
            match.Groups[2].Value,
            int.Parse(match.Groups[3].Value, CultureInfo.InvariantCulture),
            match.Groups[4].Success ? int.Parse(match.Groups[4].Value, CultureInfo.InvariantCulture) : int.Parse(match.Groups[3].Value, CultureInfo.InvariantCulture),
            match.Groups[5].Value.Trim()))];

    [GeneratedRegex(@"^\[(\d+)\] (.+) p\.(\d+)$", RegexOptions.Multiline)]
    private static partial Regex SourceLine();

    [GeneratedRegex(@"\[(\d+)\]")]
    private static partial Regex Marker();

    [GeneratedRegex(@"^\[(\d+)\] (.+?) p\.(\d+)(?:-(\d+))?\n(.*?)(?=\n\n\[\d+\] |\z)", RegexOptions.Multiline | RegexOptions.Singleline)]
    private static partial Regex PassageHeader();
}
