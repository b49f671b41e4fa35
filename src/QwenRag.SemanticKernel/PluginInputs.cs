using System.Globalization;
using System.Net;
using QwenRag.Core;

namespace QwenRag.SemanticKernel;

/// <summary>
/// The checks every function makes on what the model passed, with the REST API's limits, before anything runs:
/// a bad input is a <see cref="QwenRagException"/> (400) telling the model how to call again.
/// </summary>
internal sealed class PluginInputs(QwenRagPluginOptions options)
{
    /// <summary>The set named, else the default one.</summary>
    public string Set(string? set)
    {
        if (string.IsNullOrWhiteSpace(set))
        {
            return options.DefaultSet ?? throw new QwenRagException(
                $"Name the set to use: this plugin has no default set. {Hints.ListSets}", HttpStatusCode.BadRequest);
        }

        set = set.Trim();
        return SetName.IsValid(set)
            ? set
            : throw new QwenRagException($"'{Shorten(set)}' is not a set name ({SetName.Rule}). {Hints.ListSets}", HttpStatusCode.BadRequest);
    }

    /// <summary>A question or query: not empty, at most <see cref="QwenRagPluginOptions.MaxQueryLength"/> characters.</summary>
    public string Text(string? text, string what)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            throw new QwenRagException($"The {what} is empty; pass the {what} as text.", HttpStatusCode.BadRequest);
        }

        return text.Length <= options.MaxQueryLength
            ? text
            : throw new QwenRagException(
                $"The {what} is {text.Length.ToString(CultureInfo.InvariantCulture)} characters long; at most " +
                $"{options.MaxQueryLength.ToString(CultureInfo.InvariantCulture)} are allowed. Ask something shorter.",
                HttpStatusCode.BadRequest);
    }

    public static int Top(int top) => QueryLimits.IsValidTop(top)
        ? top
        : throw new QwenRagException(
            $"top must be {QueryLimits.TopRule} (was {top.ToString(CultureInfo.InvariantCulture)}).", HttpStatusCode.BadRequest);

    /// <summary>What an error message may echo of a model's input: its start, not a flood.</summary>
    public static string Shorten(string text) => text.Length <= 80 ? text : string.Concat(text.AsSpan(0, 80), "…");
}
