using QwenRag.Core;
using QwenRag.Retrieval.Keywords;

namespace QwenRag.Retrieval.Tests;

/// <summary>A data directory in a fresh temp folder, deleted with everything in it on dispose.</summary>
internal sealed class KeywordTestDatabase : IDisposable
{
    private readonly List<SqliteKeywordIndex> _indexes = [];

    public KeywordTestDatabase()
    {
        Data = new DataDirectory(Path.Combine(Path.GetTempPath(), "qwenrag-tests", Guid.NewGuid().ToString("N")));
        Data.EnsureCreated();
    }

    public DataDirectory Data { get; }

    /// <summary>A new index over the same database file; disposed with the database.</summary>
    public SqliteKeywordIndex OpenIndex()
    {
        var index = new SqliteKeywordIndex(Data);
        _indexes.Add(index);
        return index;
    }

    public static ChunkRecord Chunk(
        string id, string text, string set = "docs", string document = "doc-1", params string[] tags) =>
        new(TestChunkIds.Of(id), set, document, document + ".pdf", Index: 0, PageStart: 1, PageEnd: 1, text, tags);

    public void Dispose()
    {
        foreach (var index in _indexes)
        {
            index.Dispose();
        }

        try
        {
            Directory.Delete(Data.Root, recursive: true);
        }
        catch (IOException)
        {
            // A leftover temp folder is not a test failure.
        }
    }
}
