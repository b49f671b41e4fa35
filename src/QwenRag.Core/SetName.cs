using System.Text.RegularExpressions;

namespace QwenRag.Core;

/// <summary>Document set names: 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit.</summary>
public static partial class SetName
{
    public const string Rule = "1-64 characters: letters, digits, '.', '_' or '-', starting with a letter or digit";

    public static bool IsValid(string? name) => name is not null && Pattern().IsMatch(name);

    public static string Validate(string? name) =>
        IsValid(name) ? name! : throw new ArgumentException($"Invalid set name '{name}': {Rule}.", nameof(name));

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")]
    private static partial Regex Pattern();
}
