namespace QwenRag.Tests;

/// <summary>
/// The real documents in <c>shared/corpus</c>, which lies beside the repository (here and in CI):
/// found by walking up from the test binaries.
/// </summary>
internal static partial class TestCorpus
{
    private static readonly Lazy<string> RootPath = new(Locate);

    public static string Root => RootPath.Value;

    public static string Pdfs => Path.Combine(Root, "pdfs");

    public static string Mixed => Path.Combine(Root, "mixed");

    public static string Pdf(string name) => Path.Combine(Pdfs, name);

    public static string MixedFile(string name) => Path.Combine(Mixed, name);

    private static string Locate()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            var candidate = Path.Combine(directory.FullName, "shared", "corpus");
            if (Directory.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new DirectoryNotFoundException(
            $"shared/corpus was not found above {AppContext.BaseDirectory}; it must lie beside the repository.");
    }
}
