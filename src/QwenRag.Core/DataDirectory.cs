namespace QwenRag.Core;

/// <summary>
/// The layout of a QwenRag data directory: originals of every ingested file, the SQLite database
/// (documents, chunks, jobs, keyword index) and the vector index files.
/// </summary>
public sealed class DataDirectory
{
    public const string EnvironmentVariable = "QWENRAG_DATA";

    public DataDirectory(string root)
    {
        Root = Path.GetFullPath(root);
    }

    public string Root { get; }

    public string DatabasePath => Path.Combine(Root, "qwenrag.db");

    public string OriginalsPath => Path.Combine(Root, "originals");

    public string VectorsPath => Path.Combine(Root, "vectors");

    /// <summary>The directory from an explicit option, else <c>QWENRAG_DATA</c>, else <c>./data</c>.</summary>
    public static DataDirectory Resolve(string? explicitPath) =>
        new(explicitPath
            ?? (Environment.GetEnvironmentVariable(EnvironmentVariable) is { Length: > 0 } fromEnvironment
                ? fromEnvironment
                : "data"));

    public void EnsureCreated()
    {
        Directory.CreateDirectory(Root);
        Directory.CreateDirectory(OriginalsPath);
        Directory.CreateDirectory(VectorsPath);
    }
}
