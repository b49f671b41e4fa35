namespace QwenRag.Core;

/// <summary>
/// How many passages a search returns and an answer is given, the same for the CLI, the REST API and the
/// query service: one place, so that a limit cannot differ between them.
/// </summary>
public static class QueryLimits
{
    /// <summary>Passages a search returns when the caller does not say.</summary>
    public const int DefaultSearchTop = 5;

    /// <summary>Passages handed to the answerer when the caller does not say.</summary>
    public const int DefaultAskTop = 8;

    /// <summary>The most passages one search or answer may ask for (each is read, scored and, for ask, packed).</summary>
    public const int MaxTop = 100;

    /// <summary>The rule <see cref="IsValidTop"/> checks, for error messages.</summary>
    public static string TopRule => $"between 1 and {MaxTop}";

    public static bool IsValidTop(int top) => top is >= 1 and <= MaxTop;
}
