namespace QwenRag.Core;

/// <summary>
/// The layout of a QwenRag data directory: originals of every ingested file, staged uploads, the SQLite database
/// (documents, chunks, jobs, keyword index) and the vector index files. <see cref="Database"/> and
/// <see cref="VectorDatabase"/> are the owners of its two SQLite files.
/// </summary>
public sealed class DataDirectory
{
    public const string EnvironmentVariable = "QWENRAG_DATA";

    /// <summary>The vector store's SQLite file, inside <see cref="VectorsPath"/>.</summary>
    public const string VectorDatabaseFileName = "vectors.db";

    // PublicationOnly: a failure to open (a full disk at start) is not remembered; the next use tries again.
    private readonly Lazy<SqliteDatabase> _database;
    private readonly Lazy<SqliteDatabase> _vectorDatabase;

    public DataDirectory(string root)
    {
        Root = Path.GetFullPath(root);
        _database = new(() =>
        {
            EnsureCreated();
            return new SqliteDatabase(DatabasePath, SqliteSynchronous.Full);
        }, LazyThreadSafetyMode.PublicationOnly);

        // Vectors are rebuilt from the originals if a power cut loses the last commits; NORMAL keeps upserts fast.
        _vectorDatabase = new(() =>
        {
            EnsureCreated();
            return new SqliteDatabase(Path.Combine(VectorsPath, VectorDatabaseFileName), SqliteSynchronous.Normal);
        }, LazyThreadSafetyMode.PublicationOnly);
    }

    public string Root { get; }

    public string DatabasePath => Path.Combine(Root, "qwenrag.db");

    public string OriginalsPath => Path.Combine(Root, "originals");

    public string VectorsPath => Path.Combine(Root, "vectors");

    /// <summary>Uploads accepted but not yet ingested, one file per job, named by the job id.</summary>
    public string UploadsPath => Path.Combine(Root, "uploads");

    /// <summary>The owner of <see cref="DatabasePath"/>: catalog, job queue and keyword index.</summary>
    public SqliteDatabase Database => _database.Value;

    /// <summary>The owner of the vector store's file, <c>vectors/vectors.db</c>.</summary>
    public SqliteDatabase VectorDatabase => _vectorDatabase.Value;

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
        Directory.CreateDirectory(UploadsPath);
    }
}
