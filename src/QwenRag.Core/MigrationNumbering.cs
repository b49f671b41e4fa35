namespace QwenRag.Core;

/// <summary>The rule both databases' migrations follow: a component's steps are numbered 1, 2, 3, ... in order.</summary>
internal static class MigrationNumbering
{
    /// <exception cref="ArgumentException">The versions are not 1, 2, 3, ... in order.</exception>
    public static void Check(string component, IReadOnlyList<int> versions, string parameterName)
    {
        for (var i = 0; i < versions.Count; i++)
        {
            if (versions[i] != i + 1)
            {
                throw new ArgumentException(
                    $"Migrations of '{component}' must be numbered 1, 2, 3, ...; step {i + 1} says {versions[i]}.", parameterName);
            }
        }
    }
}
