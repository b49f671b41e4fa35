using Microsoft.Data.Sqlite;
using QwenRag.Core;
using QwenRag.Retrieval.Fusion;
using QwenRag.Retrieval.Keywords;
using QwenRag.Retrieval.Vectors;

namespace QwenRag.Retrieval.Tests.Contract;

/// <summary>The contract against the embedded index: the embedded vector store and the SQLite keyword index, fused in process.</summary>
public sealed class EmbeddedIndexContractTests : VectorStoreContract
{
    private readonly DataDirectory _data = new(Path.Combine(Path.GetTempPath(), "qwenrag-contract", Guid.NewGuid().ToString("N")));
    private EmbeddedVectorStore? _vectors;
    private SqliteKeywordIndex? _keywords;

    protected override Task<IVectorStore> OpenAsync()
    {
        _data.EnsureCreated();
        _vectors = new EmbeddedVectorStore(_data);
        _keywords = new SqliteKeywordIndex(_data);
        return Task.FromResult<IVectorStore>(new EmbeddedIndex(_vectors, _keywords));
    }

    protected override Task CloseAsync(IVectorStore store)
    {
        _vectors?.Dispose();
        _keywords?.Dispose();
        SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(_data.Root, recursive: true);
        }
        catch (IOException)
        {
            // A leftover temp folder is not a test failure.
        }

        return Task.CompletedTask;
    }
}
