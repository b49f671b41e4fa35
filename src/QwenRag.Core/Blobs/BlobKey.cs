namespace QwenRag.Core.Blobs;

/// <summary>
/// The keys a blob store accepts: segments joined by <c>/</c>, each of lower-case ASCII letters, digits,
/// <c>.</c>, <c>-</c> and <c>_</c>, not starting with a dot (so never <c>..</c>, and never a store's own temporary
/// names). Such a key maps to a relative path on every file system and needs no escaping anywhere.
/// </summary>
public static class BlobKey
{
    public const int MaxLength = 256;

    public static bool IsValid(string? key)
    {
        if (string.IsNullOrEmpty(key) || key.Length > MaxLength)
        {
            return false;
        }

        var segmentStart = true;
        foreach (var c in key)
        {
            if (c == '/')
            {
                if (segmentStart)
                {
                    return false; // leading, trailing or doubled slash: an empty segment
                }

                segmentStart = true;
                continue;
            }

            if (segmentStart && c == '.')
            {
                return false;
            }

            if (!(char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c is '.' or '-' or '_'))
            {
                return false;
            }

            segmentStart = false;
        }

        return !segmentStart;
    }

    /// <exception cref="ArgumentException"><paramref name="key"/> is not a valid key.</exception>
    public static string Validate(string? key, string parameterName = "key") => IsValid(key)
        ? key!
        : throw new ArgumentException($"'{key}' is not a blob key (lower-case segments of a-z, 0-9, '.', '-', '_').", parameterName);

    /// <summary>
    /// A listing prefix: empty, or what may start a key (a valid key, optionally ending with <c>/</c>).
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="prefix"/> could start no key.</exception>
    public static string ValidatePrefix(string? prefix, string parameterName = "prefix")
    {
        ArgumentNullException.ThrowIfNull(prefix, parameterName);
        return prefix.Length == 0 || IsValid(prefix.EndsWith('/') ? prefix[..^1] : prefix)
            ? prefix
            : throw new ArgumentException($"'{prefix}' cannot start a blob key.", parameterName);
    }
}
