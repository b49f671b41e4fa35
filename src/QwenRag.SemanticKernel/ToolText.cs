using System.Globalization;
using System.Text;
using System.Text.Json;
using QwenRag.Core;

namespace QwenRag.SemanticKernel;

/// <summary>
/// What the functions return, shaped for a model to read and quote: answers and passages as text with [n] markers
/// and "document p.N", lists as compact JSON (ids must be copied exactly).
/// </summary>
internal static class ToolText
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull,
    };

    /// <summary>"yarn.pdf p.6", or "yarn.pdf p.6-7" for a passage over two pages.</summary>
    public static string Where(string document, int page, int pageEnd = 0) => pageEnd > page
        ? string.Create(CultureInfo.InvariantCulture, $"{document} p.{page}-{pageEnd}")
        : string.Create(CultureInfo.InvariantCulture, $"{document} p.{page}");

    /// <summary>The answer (its [n] markers as the answerer wrote them), then the numbered sources.</summary>
    public static string Answer(AskResponse answer)
    {
        if (answer.Citations.Count == 0)
        {
            return answer.Answer;
        }

        var text = new StringBuilder(answer.Answer.TrimEnd()).Append("\n\nSources:");
        for (var i = 0; i < answer.Citations.Count; i++)
        {
            var citation = answer.Citations[i];
            text.Append(CultureInfo.InvariantCulture, $"\n[{i + 1}] {Where(citation.Document, citation.Page)}");
        }

        return text.ToString();
    }

    public static string Passages(string set, IReadOnlyList<SearchResult> results)
    {
        if (results.Count == 0)
        {
            return $"No passage in set '{set}' matches the query.";
        }

        var text = new StringBuilder();
        for (var i = 0; i < results.Count; i++)
        {
            var result = results[i];
            if (i > 0)
            {
                text.Append("\n\n");
            }

            text.Append(CultureInfo.InvariantCulture, $"[{i + 1}] {Where(result.Document, result.Page, result.PageEnd)}\n")
                .Append(result.Text.Trim());
        }

        return text.ToString();
    }

    public static string ToJson<T>(T value) => JsonSerializer.Serialize(value, Json);
}
