using System.Globalization;

namespace QwenRag.Cli;

/// <summary>An option's comma-separated whole numbers (client counts, context lengths, layer indices).</summary>
internal static class NumberList
{
    /// <exception cref="ArgumentException">A part is not a whole number in [<paramref name="min"/>, <paramref name="max"/>], or there is none.</exception>
    public static int[] Parse(string text, string optionName, int min, int max = int.MaxValue)
    {
        var parts = text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var numbers = new int[parts.Length];
        for (var i = 0; i < parts.Length; i++)
        {
            if (!int.TryParse(parts[i], NumberStyles.Integer, CultureInfo.InvariantCulture, out numbers[i]) || numbers[i] < min || numbers[i] > max)
            {
                numbers = [];
                break;
            }
        }

        if (numbers.Length == 0)
        {
            var range = max == int.MaxValue ? $"of at least {min}" : $"between {min} and {max}";
            throw new ArgumentException($"{optionName} must be comma-separated whole numbers {range} (was '{text}').");
        }

        return numbers;
    }
}
