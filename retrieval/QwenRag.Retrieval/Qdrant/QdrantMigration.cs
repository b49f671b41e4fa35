using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using QwenRag.Retrieval.Vectors;

namespace QwenRag.Retrieval.Qdrant;

/// <summary>
/// Copies a set from the embedded store into Qdrant as stored — vectors and payloads, nothing re-embedded — in
/// batches, keeping a checkpoint (the last row copied) in <c>vectors/migrations/</c> after each batch. A run killed
/// midway and started again continues after its checkpoint; point ids are the chunk ids, so a batch copied twice
/// is overwritten, never duplicated. A run without a checkpoint first removes whatever the set had in the
/// collection, so the copy ends with exactly the embedded chunks. At the end the counts are compared per document.
/// </summary>
public sealed class QdrantMigration(EmbeddedVectorStore source, QdrantVectorStore target, string checkpointDirectory)
{
    /// <summary>Copies <paramref name="set"/> and verifies it; the report says what was copied and what differs.</summary>
    public async Task<MigrationReport> MigrateAsync(
        string set, int batchSize, IProgress<MigrationProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batchSize);
        var expected = source.CountByDocument(set);
        var total = expected.Values.Sum();
        var collection = await target.InitializeAsync(cancellationToken).ConfigureAwait(false);
        await target.EnsureSetAsync(set, target.Model.Dimensions, cancellationToken).ConfigureAwait(false);

        var path = CheckpointPath(set);
        var stored = ReadCheckpoint(path);
        var resumed = stored is not null && stored.Url == target.Url && stored.Collection == collection && stored.Set == set;
        var checkpoint = resumed ? stored! : new MigrationCheckpoint(target.Url, collection, set, 0, 0);
        if (!resumed)
        {
            await target.DeleteSetAsync(set, cancellationToken).ConfigureAwait(false);
        }

        progress?.Report(new MigrationProgress(set, checkpoint.Copied, total));
        while (true)
        {
            var page = source.ReadStored(set, checkpoint.LastRow, batchSize);
            if (page.Count == 0)
            {
                break;
            }

            await target.UpsertAsync(page.Select(p => p.Chunk).ToList(), cancellationToken).ConfigureAwait(false);
            checkpoint = checkpoint with { LastRow = page[^1].Row, Copied = checkpoint.Copied + page.Count };
            WriteCheckpoint(path, checkpoint);
            progress?.Report(new MigrationProgress(set, Math.Min(checkpoint.Copied, total), total));
        }

        var mismatches = new List<string>();
        foreach (var (document, count) in expected)
        {
            var copied = await target.CountAsync(set, document, cancellationToken).ConfigureAwait(false);
            if (copied != count)
            {
                mismatches.Add($"document {document}: {count} chunks embedded, {copied} in Qdrant");
            }
        }

        var inQdrant = await target.CountAsync(set, cancellationToken: cancellationToken).ConfigureAwait(false);
        if (inQdrant != total)
        {
            mismatches.Add($"set {set}: {total} chunks embedded, {inQdrant} in Qdrant");
        }

        if (mismatches.Count == 0)
        {
            File.Delete(path);
        }

        return new MigrationReport(set, collection, expected.Count, total, inQdrant, resumed, mismatches);
    }

    private string CheckpointPath(string set) => Path.Combine(
        checkpointDirectory, Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(set)).AsSpan(0, 8)) + ".json");

    private static MigrationCheckpoint? ReadCheckpoint(string path)
    {
        try
        {
            return File.Exists(path)
                ? JsonSerializer.Deserialize(File.ReadAllText(path), MigrationJsonContext.Default.MigrationCheckpoint)
                : null;
        }
        catch (JsonException)
        {
            return null; // a torn or foreign file: start over, which is always correct
        }
    }

    private void WriteCheckpoint(string path, MigrationCheckpoint checkpoint)
    {
        Directory.CreateDirectory(checkpointDirectory);
        var temporary = path + ".tmp";
        File.WriteAllText(temporary, JsonSerializer.Serialize(checkpoint, MigrationJsonContext.Default.MigrationCheckpoint));
        File.Move(temporary, path, overwrite: true);
    }
}

/// <summary>How far a copy of one set has come.</summary>
public sealed record MigrationProgress(string Set, long Copied, long Total);

/// <summary>The outcome of copying one set: counts on both sides and each difference found.</summary>
public sealed record MigrationReport(
    string Set, string Collection, int Documents, long Embedded, long InQdrant, bool Resumed, IReadOnlyList<string> Mismatches)
{
    public bool Verified => Mismatches.Count == 0;
}

/// <summary>Where an interrupted copy stands: the target, and the last embedded row copied.</summary>
internal sealed record MigrationCheckpoint(string Url, string Collection, string Set, long LastRow, long Copied);
