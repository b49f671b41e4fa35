using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using QwenRag.Core;
using QwenRag.Core.Blobs;
using QwenRag.Core.Postgres;
using QwenRag.Retrieval.Qdrant;

namespace QwenRag.Hosting.Backends;

/// <summary>
/// Which engine holds what in this process: the catalog, the job queue, uploads and originals, vectors and the
/// keyword index. Said once at start (<see cref="BackendsStartup"/>) and in <c>/health/ready</c>, so an operator of a
/// fleet sees at a glance whether a replica is on the shared backends or on its local data directory. Never carries
/// credentials.
/// </summary>
public sealed class BackendSummary(
    DataDirectory data, IOptions<PostgresOptions> postgres, IOptions<QdrantOptions> qdrant, IServiceProvider services)
{
    public IReadOnlyDictionary<string, string> Describe()
    {
        var database = postgres.Value.Enabled
            ? services.GetRequiredService<PostgresDatabase>().Description
            : $"sqlite {data.DatabasePath}";
        var qdrantUrl = qdrant.Value.Url;
        return new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["catalog"] = database,
            ["jobs"] = database,
            ["blobs"] = services.GetRequiredService<IBlobStore>().Description,
            ["vectors"] = string.IsNullOrWhiteSpace(qdrantUrl) ? $"embedded {data.VectorsPath}" : $"qdrant {qdrantUrl}",
            ["keywords"] = string.IsNullOrWhiteSpace(qdrantUrl) ? $"sqlite fts5 {data.DatabasePath}" : $"qdrant sparse bm25 {qdrantUrl}",
        };
    }

    /// <summary>One line: <c>catalog=…, jobs=…, …</c>.</summary>
    public override string ToString() => string.Join(", ", Describe().Select(backend => $"{backend.Key}={backend.Value}"));
}
