using System.Globalization;

namespace QwenRag.Cli;

/// <summary>Token ids given on the command line as a comma-separated list, e.g. <c>1,2,3</c>.</summary>
internal static class TokenIdList
{
    public static int[] Parse(string text, string optionName)
    {
        var parts = text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (parts.Length == 0)
        {
            throw new ArgumentException($"{optionName} needs at least one token id.");
        }

        var ids = new int[parts.Length];
        for (var i = 0; i < parts.Length; i++)
        {
            if (!int.TryParse(parts[i], NumberStyles.Integer, CultureInfo.InvariantCulture, out ids[i]) || ids[i] < 0)
            {
                throw new ArgumentException($"{optionName}: '{parts[i]}' is not a token id.");
            }
        }

        return ids;
    }
}
