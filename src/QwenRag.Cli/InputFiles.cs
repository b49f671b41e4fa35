namespace QwenRag.Cli;

/// <summary>Expands the paths given on the command line into files: folders recursively, by supported type.</summary>
internal static class InputFiles
{
    public static (IReadOnlyList<string> Files, IReadOnlyList<string> Missing) Expand(
        IEnumerable<string> paths, Func<string, bool> isSupported)
    {
        var files = new List<string>();
        var missing = new List<string>();
        foreach (var path in paths)
        {
            if (File.Exists(path))
            {
                files.Add(Path.GetFullPath(path));
            }
            else if (Directory.Exists(path))
            {
                var options = new EnumerationOptions
                {
                    RecurseSubdirectories = true,
                    AttributesToSkip = System.IO.FileAttributes.Hidden | System.IO.FileAttributes.System,
                };
                files.AddRange(Directory.EnumerateFiles(path, "*", options)
                    .Where(isSupported)
                    .Select(Path.GetFullPath)
                    .Order(StringComparer.Ordinal));
            }
            else
            {
                missing.Add(path);
            }
        }

        return (files.Distinct(StringComparer.Ordinal).ToArray(), missing);
    }
}
