using Microsoft.Extensions.Options;

namespace QwenRag.Retrieval.Qdrant;

/// <summary>
/// Where the Qdrant cluster is and how the index lives in it (section <c>QwenRag:Qdrant</c>). Without
/// <see cref="Url"/> the embedded store is used.
/// </summary>
public sealed class QdrantOptions
{
    public const string SectionName = "QwenRag:Qdrant";

    /// <summary>gRPC endpoint, e.g. <c>http://qdrant:6334</c>; <c>https://</c> for TLS. Null or empty: embedded store.</summary>
    public string? Url { get; set; }

    public string? ApiKey { get; set; }

    /// <summary>SHA-256 thumbprint (hex) of the server certificate to trust, for a self-signed one over https.</summary>
    public string? CertificateThumbprint { get; set; }

    /// <summary>
    /// The alias searches and writes go through; collections behind it are named
    /// <c>{Alias}-{model}-{dimensions}</c>, one per embedding model (a rebuild for the model
    /// the alias already serves adds <c>-{created}</c>).
    /// </summary>
    public string Alias { get; set; } = "qwenrag";

    /// <summary>HNSW graph degree of the dense vector (Qdrant's default 16).</summary>
    public int HnswM { get; set; } = 16;

    /// <summary>HNSW build beam of the dense vector (Qdrant's default 100).</summary>
    public int HnswEfConstruct { get; set; } = 100;

    /// <summary>
    /// Keep an int8 scalar-quantized copy of the dense vectors in RAM (4x smaller; searches rescore with the
    /// originals). Off by default, so results match the embedded store's exact cosine.
    /// </summary>
    public bool ScalarQuantization { get; set; }

    /// <summary>
    /// Shards of a collection this service creates (Qdrant's <c>shard_number</c>); null: Qdrant's default, one per
    /// node of the cluster at the time. Fixed at creation, so a cluster expected to grow wants a few per node.
    /// </summary>
    public int? Shards { get; set; }

    /// <summary>
    /// Copies of each shard on distinct nodes (Qdrant's <c>replication_factor</c>); null: Qdrant's default (1). Two
    /// keep every point searchable and writable while one node is down.
    /// </summary>
    public int? ReplicationFactor { get; set; }

    /// <summary>
    /// Replicas that must acknowledge a write before it succeeds (Qdrant's <c>write_consistency_factor</c>); null:
    /// Qdrant's default (1). At most <see cref="ReplicationFactor"/>.
    /// </summary>
    public int? WriteConsistencyFactor { get; set; }

    /// <summary>Points per upsert request.</summary>
    public int UpsertBatchSize { get; set; } = 256;

    /// <summary>
    /// Rank offset of the server-side fusion. Null sends plain <c>Fusion.Rrf</c> (any Qdrant 1.10 or later, whose
    /// k is 2); a number sends a parameterised RRF (Qdrant 1.16 or later). 60 ranks as the embedded store does.
    /// </summary>
    public int? RrfK { get; set; }

    /// <summary>
    /// Average chunk length, in words, that BM25 length normalisation is computed against. Chunks are written
    /// with their weights, so this is fixed per collection, like the <c>avg_len</c> of Qdrant's own BM25.
    /// </summary>
    public double Bm25AverageChunkLength { get; set; } = Bm25SparseEncoder.DefaultAverageChunkLength;

    /// <summary>Deadline of one gRPC call.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Retries of a call that failed transiently (Unavailable, DeadlineExceeded, ResourceExhausted, Aborted).</summary>
    public int MaxRetries { get; set; } = 4;

    /// <summary>First retry delay; each retry doubles it, with jitter, up to <see cref="MaxRetryDelay"/>.</summary>
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromMilliseconds(200);

    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromSeconds(5);

    public bool Enabled => !string.IsNullOrWhiteSpace(Url);

    /// <summary>Checks every value; the messages name the setting.</summary>
    public sealed class Validator : IValidateOptions<QdrantOptions>
    {
        public ValidateOptionsResult Validate(string? name, QdrantOptions options)
        {
            var failures = new List<string>();
            if (options.Enabled && !(Uri.TryCreate(options.Url, UriKind.Absolute, out var url) && url.Scheme is "http" or "https"))
            {
                failures.Add($"{SectionName}:Url must be an http:// or https:// address such as http://qdrant:6334 (was '{options.Url}').");
            }

            if (string.IsNullOrWhiteSpace(options.Alias) || options.Alias.Length > 64 || !options.Alias.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_'))
            {
                failures.Add($"{SectionName}:Alias must be 1-64 letters, digits, '-' or '_' (was '{options.Alias}').");
            }

            Check(options.HnswM is >= 4 and <= 128, $"{SectionName}:HnswM must be between 4 and 128 (was {options.HnswM}).");
            Check(options.HnswEfConstruct is >= 4 and <= 4096, $"{SectionName}:HnswEfConstruct must be between 4 and 4096 (was {options.HnswEfConstruct}).");
            Check(options.Shards is null or >= 1 and <= 1000, $"{SectionName}:Shards must be between 1 and 1000 when set (was {options.Shards}).");
            Check(options.ReplicationFactor is null or >= 1 and <= 100, $"{SectionName}:ReplicationFactor must be between 1 and 100 when set (was {options.ReplicationFactor}).");
            Check(
                options.WriteConsistencyFactor is null || (options.WriteConsistencyFactor >= 1 && options.WriteConsistencyFactor <= (options.ReplicationFactor ?? 1)),
                $"{SectionName}:WriteConsistencyFactor must be between 1 and ReplicationFactor (was {options.WriteConsistencyFactor}, ReplicationFactor {options.ReplicationFactor?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "unset"}).");
            Check(options.UpsertBatchSize is >= 1 and <= 10_000, $"{SectionName}:UpsertBatchSize must be between 1 and 10000 (was {options.UpsertBatchSize}).");
            Check(options.RrfK is null or >= 0, $"{SectionName}:RrfK must be 0 or more when set (was {options.RrfK}).");
            Check(double.IsFinite(options.Bm25AverageChunkLength) && options.Bm25AverageChunkLength >= 1, $"{SectionName}:Bm25AverageChunkLength must be 1 or more (was {options.Bm25AverageChunkLength}).");
            Check(options.Timeout > TimeSpan.Zero && options.Timeout <= TimeSpan.FromMinutes(10), $"{SectionName}:Timeout must be above 0 and at most 10 minutes (was {options.Timeout}).");
            Check(options.MaxRetries is >= 0 and <= 20, $"{SectionName}:MaxRetries must be between 0 and 20 (was {options.MaxRetries}).");
            Check(options.RetryDelay > TimeSpan.Zero && options.RetryDelay <= options.MaxRetryDelay, $"{SectionName}:RetryDelay must be above 0 and at most MaxRetryDelay (was {options.RetryDelay}).");
            Check(options.MaxRetryDelay <= TimeSpan.FromMinutes(5), $"{SectionName}:MaxRetryDelay must be at most 5 minutes (was {options.MaxRetryDelay}).");
            return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);

            void Check(bool valid, string failure)
            {
                if (!valid)
                {
                    failures.Add(failure);
                }
            }
        }
    }
}
