using System.Net;

namespace QwenRag.SemanticKernel;

/// <summary>
/// Decides whether <c>upload</c> may read a path the model gave. The check comes before the file system is asked
/// anything, and a refusal says the same whether or not the file exists, so the model cannot probe for files
/// outside the folders; a link inside a folder must also resolve inside one.
/// </summary>
internal sealed class UploadFolders
{
    private readonly string[] _roots;

    public UploadFolders(IEnumerable<string> folders)
    {
        _roots = [.. folders.Select(folder => Path.TrimEndingDirectorySeparator(Path.GetFullPath(folder)))];
    }

    /// <summary>The full path to read.</summary>
    /// <exception cref="QwenRagException">The path is outside every folder, or no such file is inside one.</exception>
    public string Resolve(string path)
    {
        if (_roots.Length == 0)
        {
            throw new QwenRagException(
                "Uploading is not enabled: no upload folder is configured for this plugin (QwenRagPluginOptions.UploadFolders).",
                HttpStatusCode.Forbidden);
        }

        if (string.IsNullOrWhiteSpace(path) || path.Contains('\0', StringComparison.Ordinal))
        {
            throw new QwenRagException("Give the path of the file to upload.", HttpStatusCode.BadRequest);
        }

        var full = Path.GetFullPath(path.Trim(), _roots[0]);
        if (!IsInside(full))
        {
            throw Outside();
        }

        // A link anywhere below the folder (the file or a folder on the way) must lead inside a folder too.
        var root = RootOf(full);
        var current = root;
        foreach (var part in Path.GetRelativePath(root, full).Split(Path.DirectorySeparatorChar))
        {
            current = Path.Combine(current, part);
            var entry = new FileInfo(current);
            if (entry.LinkTarget is not null
                && (entry.ResolveLinkTarget(returnFinalTarget: true) is not { } target || !IsInside(target.FullName)))
            {
                throw Outside();
            }
        }

        if (!File.Exists(full))
        {
            throw new QwenRagException(
                $"There is no file '{Path.GetRelativePath(root, full)}' in the upload folder {root}.", HttpStatusCode.NotFound);
        }

        return full;
    }

    private bool IsInside(string full) => _roots.Any(root => IsUnder(full, root));

    private string RootOf(string full) => _roots.First(root => IsUnder(full, root));

    private static bool IsUnder(string full, string root) =>
        full.StartsWith(root + Path.DirectorySeparatorChar, StringComparison.Ordinal);

    private QwenRagException Outside() => new(
        $"Upload refused: only files inside the upload folder{(_roots.Length == 1 ? string.Empty : "s")} " +
        $"({string.Join(", ", _roots)}) may be uploaded.",
        HttpStatusCode.Forbidden);
}
