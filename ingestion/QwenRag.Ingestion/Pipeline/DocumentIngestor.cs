using System.Data.Common;
using System.Diagnostics;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using QwenRag.Core;
using QwenRag.Core.Blobs;
using QwenRag.Core.Models;
using QwenRag.Core.Telemetry;
using QwenRag.Ingestion.Catalog;
using QwenRag.Ingestion.Chunking;
using QwenRag.Ingestion.Extraction;

namespace QwenRag.Ingestion.Pipeline;

/// <summary>
/// Takes a file into a set: keeps the original (in the <see cref="IBlobStore"/>, see <see cref="OriginalKeys"/>),
/// extracts, chunks, embeds, and writes the index (the embedded vector and keyword indexes, or a Qdrant collection).
/// A document is marked <see cref="DocumentStatus.Indexing"/> before its first chunk is written and
/// <see cref="DocumentStatus.Ready"/> after its last, so an interrupted one is found and redone on resume;
/// chunk ids are deterministic, so redoing it never duplicates a chunk. A set records the embedding model its first
/// document was embedded with (<see cref="IDocumentCatalog.StampSet"/>); a document for a set of another model fails
/// with <see cref="EmbeddingModelMismatchException"/>, and <see cref="ReindexSetAsync(string, IProgress{IngestionProgress}?, CancellationToken)"/>
/// switches a set to this ingestor's model.
/// </summary>
public sealed partial class DocumentIngestor
{
    private readonly IBlobStore _blobs;
    private readonly IDocumentCatalog _catalog;
    private readonly DocumentExtractors _extractors;
    private readonly Chunker _chunker;
    private readonly IEmbeddingGenerator<string, Embedding<float>> _embedder;
    private readonly IVectorStore _vectors;
    private readonly IngestionOptions _options;
    private readonly int? _modelMaxInputTokens;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _writer = new(1, 1);

    public DocumentIngestor(
        IBlobStore blobs,
        IDocumentCatalog catalog,
        DocumentExtractors extractors,
        Chunker chunker,
        IEmbeddingGenerator<string, Embedding<float>> embedder,
        IVectorStore vectors,
        IngestionOptions? options = null,
        ILogger<DocumentIngestor>? logger = null)
    {
        _blobs = blobs;
        _catalog = catalog;
        _extractors = extractors;
        _chunker = chunker;
        _embedder = embedder;
        _vectors = vectors;
        _options = (options ?? new IngestionOptions()).ThrowIfInvalid();
        _modelMaxInputTokens = (embedder.GetService(typeof(EmbeddingModelInfo)) as EmbeddingModelInfo)?.MaxInputTokens;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
    }

    public async Task<IngestionOutcome> IngestFileAsync(
        string set,
        string path,
        IReadOnlyList<string>? tags = null,
        IProgress<IngestionProgress>? progress = null,
        CancellationToken cancellationToken = default)
    {
        var name = Path.GetFileName(path);
        try
        {
            await using var stream = new FileStream(
                path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan);
            return await IngestAsync(set, name, stream, tags, progress, cancellationToken);
        }
        catch (IOException ex)
        {
            return new IngestionOutcome(name, IngestionStatus.Failed, Error: $"{name}: cannot be read: {ex.Message}");
        }
        catch (UnauthorizedAccessException ex)
        {
            return new IngestionOutcome(name, IngestionStatus.Failed, Error: $"{name}: cannot be read: {ex.Message}");
        }
    }

    /// <summary>
    /// Ingests one file. Rejections (unsupported, empty, corrupt, encrypted, too large, no text) come back as a
    /// <see cref="IngestionStatus.Failed"/> outcome with the reason, leaving nothing behind. Cancellation leaves
    /// the document marked for <see cref="ResumeInterruptedAsync"/>.
    /// </summary>
    public async Task<IngestionOutcome> IngestAsync(
        string set,
        string fileName,
        Stream content,
        IReadOnlyList<string>? tags = null,
        IProgress<IngestionProgress>? progress = null,
        CancellationToken cancellationToken = default,
        string? contentType = null)
    {
        SetName.Validate(set);
        var name = DocumentNames.Clean(fileName);
        using var activity = StartDocument(set, name);
        var outcome = await IngestNamedAsync(set, name, content, tags, progress, contentType, cancellationToken);
        return Traced(activity, outcome);
    }

    private async Task<IngestionOutcome> IngestNamedAsync(
        string set,
        string name,
        Stream content,
        IReadOnlyList<string>? tags,
        IProgress<IngestionProgress>? progress,
        string? contentType,
        CancellationToken cancellationToken)
    {
        byte[] bytes;
        IDocumentExtractor extractor;
        try
        {
            extractor = _extractors.Resolve(name, contentType);
            bytes = await ReadLimitedAsync(content, name, cancellationToken);
        }
        catch (DocumentRejectedException ex)
        {
            return Failed(name, ex.Message, ex);
        }

        var id = ChunkIds.DocumentIdFor(bytes);
        await _writer.WaitAsync(cancellationToken);
        try
        {
            return await IngestLockedAsync(set, name, id, bytes, extractor, contentType, tags, progress, cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // A failure outside indexing proper (keeping the original, the catalog): reported, not thrown, so that a
            // batch goes on with the next file and the caller can tell a full disk from a bad document.
            LogStepFailed(ex, set, name);
            return Failed(name, FailureMessage(name, ex), ex);
        }
        finally
        {
            _writer.Release();
        }
    }

    private async Task<IngestionOutcome> IngestLockedAsync(
        string set,
        string name,
        string id,
        byte[] bytes,
        IDocumentExtractor extractor,
        string? contentType,
        IReadOnlyList<string>? tags,
        IProgress<IngestionProgress>? progress,
        CancellationToken cancellationToken)
    {
        var existing = _catalog.Find(set, id);
        if (existing is { Status: DocumentStatus.Ready })
        {
            return new IngestionOutcome(name, IngestionStatus.Unchanged, id, existing.Pages, existing.Chunks);
        }

        progress?.Report(new IngestionProgress(name, "extracting", 0));
        ExtractedDocument document;
        var extract = new StageTiming("extract", QwenRagTelemetry.ExtractSpan);
        try
        {
            using (extract.Begin())
            {
                document = _extractors.Extract(
                    new MemoryStream(bytes, writable: false), name, contentType, _options.Extraction, cancellationToken);
            }

            extract.Record();
        }
        catch (DocumentRejectedException ex)
        {
            return Failed(name, ex.Message, ex);
        }
        catch (IOException ex)
        {
            // The bytes are in memory: a read error here is the file's own (a truncated archive), never the disk's.
            var corrupt = new DocumentRejectedException(name, DocumentRejectionReason.Corrupt, $"the file is damaged: {ex.Message}", ex);
            return Failed(name, corrupt.Message, corrupt);
        }

        var originalKey = await KeepOriginalAsync(id, extractor.Extensions.First(), bytes, cancellationToken);
        var entry = new DocumentEntry(
            set, id, name, originalKey, bytes.Length, PageCount(document), 0, DocumentStatus.Indexing,
            tags ?? [], DateTimeOffset.UtcNow);
        var outcome = await IndexAsync(entry, document, progress, cancellationToken);
        if (!outcome.Succeeded)
        {
            return outcome;
        }

        var replaced = await RemoveOlderVersionsAsync(set, name, id, cancellationToken);
        return replaced ? outcome with { Status = IngestionStatus.Replaced } : outcome;
    }

    /// <summary>Redoes every document whose indexing was interrupted (crash, kill, cancellation).</summary>
    public async Task<IReadOnlyList<IngestionOutcome>> ResumeInterruptedAsync(
        IProgress<IngestionProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        var outcomes = new List<IngestionOutcome>();
        foreach (var entry in _catalog.ListInterrupted())
        {
            LogResuming(entry.Set, entry.Name);
            outcomes.Add(await ReindexAsync(entry, progress, skipModelCheck: false, cancellationToken));
        }

        return outcomes;
    }

    /// <summary>
    /// Rebuilds a set's chunks from the kept originals, e.g. after a chunking change, or to re-embed the set with this
    /// ingestor's model when it was embedded with another. A model switch marks the set first (searches refuse it
    /// meanwhile, naming the fix) and records the new model only once every document is re-embedded, so an
    /// interrupted switch never leaves a set that silently mixes two models; running it again finishes it.
    /// </summary>
    public Task<IReadOnlyList<IngestionOutcome>> ReindexSetAsync(
        string set, IProgress<IngestionProgress>? progress = null, CancellationToken cancellationToken = default) =>
        ReindexSetAsync(set, recordModel: true, progress, cancellationToken);

    /// <param name="set">The set.</param>
    /// <param name="recordModel">
    /// False for a rebuild into a new index (a Qdrant collection) whose caller records the model per set itself once it
    /// switches to that index: documents are re-embedded whatever the set's recorded model, which stays as it is.
    /// </param>
    /// <param name="progress">Progress per document.</param>
    /// <param name="cancellationToken">Cancels the rest; what was done stays, and a switch stays marked.</param>
    public async Task<IReadOnlyList<IngestionOutcome>> ReindexSetAsync(
        string set, bool recordModel, IProgress<IngestionProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        var model = ProcessModel();
        var stamp = _catalog.FindSetEmbedding(set);
        var switching = model is not null && stamp is not null
            && (stamp.PendingModel is not null || !SameModel(stamp.Model, model.ModelId));
        if (switching && recordModel)
        {
            _catalog.BeginModelSwitch(set, model!.ModelId, model.Dimensions);
        }

        var outcomes = new List<IngestionOutcome>();
        foreach (var entry in _catalog.List(set))
        {
            outcomes.Add(await ReindexAsync(entry, progress, skipModelCheck: switching || !recordModel, cancellationToken));
        }

        // Documents that failed for their own reason (their original gone or refused) were removed; anything else
        // (a full disk) leaves the switch marked, for the next run.
        if (switching && recordModel && outcomes.All(o => o.Succeeded || IsOwnFailure(o.Cause)))
        {
            _catalog.SwitchModel(set, model!.ModelId, model.Dimensions);
        }

        return outcomes;
    }

    /// <summary>The model this ingestor embeds with, as its generator says (null for a generator that does not).</summary>
    public EmbeddingModelInfo? ProcessModel()
    {
        if (_embedder.GetService<EmbeddingModelInfo>() is { } info)
        {
            return info;
        }

        return _embedder.GetService<EmbeddingGeneratorMetadata>() is { DefaultModelId: { Length: > 0 } id, DefaultModelDimensions: int dimensions and > 0 }
            ? new EmbeddingModelInfo(id, dimensions, 0)
            : null;
    }

    private static bool SameModel(string a, string b) => string.Equals(a, b, StringComparison.OrdinalIgnoreCase);

    private static bool IsOwnFailure(Exception? cause) =>
        cause is DocumentRejectedException or FileNotFoundException or DirectoryNotFoundException;

    /// <summary>
    /// Rebuilds one document's chunks from its kept original (the same as <see cref="ReindexSetAsync(string, IProgress{IngestionProgress}?, CancellationToken)"/> for one
    /// document); null when the set holds no such document. An original that is gone or no longer accepted removes
    /// the document and comes back as a failed outcome.
    /// </summary>
    public async Task<IngestionOutcome?> ReindexDocumentAsync(
        string set, string documentId, IProgress<IngestionProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        await _writer.WaitAsync(cancellationToken);
        try
        {
            // Looked up under the writer lock, so that a delete just before cannot be undone by the re-index.
            var entry = _catalog.Find(set, documentId);
            return entry is null ? null : await ReindexLockedAsync(entry, progress, skipModelCheck: false, cancellationToken);
        }
        finally
        {
            _writer.Release();
        }
    }

    public async Task<bool> DeleteDocumentAsync(string set, string documentId, CancellationToken cancellationToken = default)
    {
        await _writer.WaitAsync(cancellationToken);
        try
        {
            var entry = _catalog.Find(set, documentId);
            if (entry is null)
            {
                return false;
            }

            await RemoveAsync(entry, cancellationToken);
            return true;
        }
        finally
        {
            _writer.Release();
        }
    }

    /// <summary>Deletes every document of a set; returns how many there were.</summary>
    public async Task<int> DeleteSetAsync(string set, CancellationToken cancellationToken = default)
    {
        await _writer.WaitAsync(cancellationToken);
        try
        {
            var entries = _catalog.List(set);
            await _vectors.DeleteSetAsync(set, cancellationToken);
            foreach (var entry in entries)
            {
                _catalog.Remove(entry.Set, entry.Id);
                await DeleteOriginalIfUnusedAsync(entry.OriginalPath);
            }

            return entries.Count;
        }
        finally
        {
            _writer.Release();
        }
    }

    private async Task<IngestionOutcome> ReindexAsync(
        DocumentEntry entry, IProgress<IngestionProgress>? progress, bool skipModelCheck, CancellationToken cancellationToken)
    {
        await _writer.WaitAsync(cancellationToken);
        try
        {
            return await ReindexLockedAsync(entry, progress, skipModelCheck, cancellationToken);
        }
        finally
        {
            _writer.Release();
        }
    }

    private async Task<IngestionOutcome> ReindexLockedAsync(
        DocumentEntry entry, IProgress<IngestionProgress>? progress, bool skipModelCheck, CancellationToken cancellationToken)
    {
        ExtractedDocument document;
        using var activity = StartDocument(entry.Set, entry.Name);
        var extract = new StageTiming("extract", QwenRagTelemetry.ExtractSpan);
        try
        {
            await using var original = await SeekableAsync(
                await OpenOriginalAsync(entry.OriginalPath, cancellationToken), entry.Bytes, cancellationToken);
            using (extract.Begin())
            {
                document = _extractors.Extract(original, entry.Name, limits: _options.Extraction, cancellationToken: cancellationToken);
            }

            extract.Record();
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException or DocumentRejectedException)
        {
            // The original is gone or no longer accepted: the document cannot come back, so it goes.
            await RemoveAsync(entry, cancellationToken);
            return Failed(entry.Name, $"{entry.Name}: cannot be re-indexed from its original: {ex.Message}", ex);
        }
        catch (Exception ex) when (ex is IOException or DbException)
        {
            // Could pass (a busy or failing disk, a database out of reach): the entry stays as it is, for the next resume.
            return Failed(entry.Name, FailureMessage(entry.Name, ex), ex);
        }

        return Traced(activity, await IndexAsync(entry with { Status = DocumentStatus.Indexing }, document, progress, cancellationToken, skipModelCheck));
    }

    private async Task<IngestionOutcome> IndexAsync(
        DocumentEntry entry,
        ExtractedDocument document,
        IProgress<IngestionProgress>? progress,
        CancellationToken cancellationToken,
        bool skipModelCheck = false)
    {
        progress?.Report(new IngestionProgress(entry.Name, "chunking", 0.05));
        var chunking = new StageTiming("chunk", QwenRagTelemetry.ChunkSpan);
        IReadOnlyList<ContextualChunk> chunks;
        using (var step = chunking.Begin())
        {
            chunks = ChunkContext.Chunk(_chunker, document, entry.Name, _options.EmbedContext, _modelMaxInputTokens);
            step.Activity?.SetTag(QwenRagTelemetry.ChunksTag, chunks.Count);
        }

        chunking.Record();
        if (chunks.Count == 0)
        {
            await DeleteOriginalIfUnusedAsync(entry.OriginalPath);
            var noText = new DocumentRejectedException(
                entry.Name, DocumentRejectionReason.NoText, "no text could be extracted (an image-only document needs OCR first).");
            return Failed(entry.Name, noText.Message, noText);
        }

        if (!skipModelCheck && CheckSetModel(entry.Set) is { } mismatch)
        {
            await DeleteOriginalIfUnusedAsync(entry.OriginalPath);
            LogModelMismatch(entry.Set, entry.Name, mismatch.SetModel, mismatch.ProcessModel);
            return Failed(entry.Name, $"{entry.Name}: {mismatch.Message}", mismatch);
        }

        _catalog.BeginIndexing(entry);
        try
        {
            // Leftovers of an interrupted run are removed first; the ids would match, but a changed chunker may
            // produce fewer chunks than last time.
            var embedding = new StageTiming("embed", QwenRagTelemetry.EmbedSpan);
            var indexing = new StageTiming("index", QwenRagTelemetry.IndexSpan);
            using (indexing.Begin())
            {
                await _vectors.DeleteDocumentAsync(entry.Set, entry.Id, cancellationToken);
            }

            var written = 0;
            foreach (var batch in chunks.Chunk(_options.BatchSize))
            {
                cancellationToken.ThrowIfCancellationRequested();
                var records = batch.Select(item => new ChunkRecord(
                    ChunkIds.For(entry.Set, entry.Id, item.Chunk.Index), entry.Set, entry.Id, entry.Name, item.Chunk.Index,
                    item.Chunk.PageStart, item.Chunk.PageEnd, item.Chunk.Text, entry.Tags)).ToArray();
                GeneratedEmbeddings<Embedding<float>> embeddings;
                using (var step = embedding.Begin())
                {
                    step.Activity?.SetTag(QwenRagTelemetry.ChunksTag, records.Length);
                    embeddings = await _embedder.GenerateAsync(
                        batch.Select(item => item.EmbeddedText), cancellationToken: cancellationToken);
                }

                var vectors = records.Select((record, i) => new ChunkVector(record, embeddings[i].Vector)).ToArray();
                using (var step = indexing.Begin())
                {
                    step.Activity?.SetTag(QwenRagTelemetry.ChunksTag, records.Length);
                    if (written == 0)
                    {
                        await _vectors.EnsureSetAsync(entry.Set, vectors[0].Vector.Length, cancellationToken);
                    }

                    await _vectors.UpsertAsync(vectors, cancellationToken);
                }

                written += records.Length;
                progress?.Report(new IngestionProgress(entry.Name, "embedding", 0.1 + (0.9 * written / chunks.Count)));
            }

            using (indexing.Begin())
            {
                _catalog.CompleteIndexing(entry.Set, entry.Id, entry.Pages, chunks.Count);
            }

            embedding.Record();
            indexing.Record();
            progress?.Report(new IngestionProgress(entry.Name, "done", 1));
            LogIngested(entry.Set, entry.Name, entry.Pages, chunks.Count);
            return new IngestionOutcome(entry.Name, IngestionStatus.Ingested, entry.Id, entry.Pages, chunks.Count);
        }
        catch (OperationCanceledException)
        {
            throw; // stays marked Indexing: resumed later
        }
        catch (Exception ex)
        {
            // The step reports; its caller decides (a worker retries a full disk later, fails a bug at once).
            // Half-written chunks are removed when possible; when even that fails (the disk is still full) the
            // document stays marked Indexing, so a retry or a resume redoes it over the same chunk ids.
            LogIndexingFailed(ex, entry.Set, entry.Name);
            await TryRemoveAsync(entry);
            return Failed(entry.Name, FailureMessage(entry.Name, ex), ex);
        }
    }

    /// <summary>
    /// Stamps a new set with this ingestor's model; the mismatch when the set has another (or is being switched to
    /// another). Null when they agree, or when the generator does not name its model.
    /// </summary>
    private EmbeddingModelMismatchException? CheckSetModel(string set)
    {
        if (ProcessModel() is not { } model)
        {
            return null;
        }

        var stamp = _catalog.StampSet(set, model.ModelId, model.Dimensions);
        return stamp.PendingModel is { } pending
            ? SameModel(pending, model.ModelId) ? null : new EmbeddingModelMismatchException(set, pending, model.ModelId, switching: true)
            : SameModel(stamp.Model, model.ModelId) ? null : new EmbeddingModelMismatchException(set, stamp.Model, model.ModelId);
    }

    private static Activity? StartDocument(string set, string name) =>
        QwenRagTelemetry.ActivitySource.StartActivity(QwenRagTelemetry.DocumentSpan)
            ?.SetTag(QwenRagTelemetry.SetTag, set)
            .SetTag(QwenRagTelemetry.DocumentTag, name);

    private static IngestionOutcome Traced(Activity? activity, IngestionOutcome outcome)
    {
        activity?.SetTag(QwenRagTelemetry.OutcomeTag, outcome.Status.ToString())
            .SetTag(QwenRagTelemetry.DocumentIdTag, outcome.DocumentId)
            .SetTag(QwenRagTelemetry.ChunksTag, outcome.Chunks);
        if (!outcome.Succeeded)
        {
            activity?.SetStatus(ActivityStatusCode.Error, outcome.Error);
        }

        return outcome;
    }

    private async Task<bool> RemoveOlderVersionsAsync(string set, string name, string keepId, CancellationToken cancellationToken)
    {
        var removed = false;
        foreach (var older in _catalog.FindByName(set, name).Where(entry => entry.Id != keepId))
        {
            await RemoveAsync(older, cancellationToken);
            removed = true;
        }

        return removed;
    }

    private async Task RemoveAsync(DocumentEntry entry, CancellationToken cancellationToken)
    {
        await _vectors.DeleteDocumentAsync(entry.Set, entry.Id, cancellationToken);
        _catalog.Remove(entry.Set, entry.Id);
        await DeleteOriginalIfUnusedAsync(entry.OriginalPath);
    }

    private async Task TryRemoveAsync(DocumentEntry entry)
    {
        try
        {
            await RemoveAsync(entry, CancellationToken.None);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            LogCleanupFailed(ex, entry.Set, entry.Name);
        }
    }

    /// <summary>The error a person reads: a full disk says so plainly, whatever layer noticed it.</summary>
    private static string FailureMessage(string name, Exception exception) =>
        StorageFailures.IsDiskFull(exception)
            ? $"{name}: indexing failed: {StorageFullException.DefaultMessage}"
            : $"{name}: indexing failed: {exception.Message}";

    /// <summary>Keeps the original under its content-addressed key (once: the same bytes are the same blob); returns the key.</summary>
    private async Task<string> KeepOriginalAsync(string id, string extension, byte[] bytes, CancellationToken cancellationToken)
    {
        var key = OriginalKeys.For(id, extension);
        if (!await _blobs.ExistsAsync(key, cancellationToken))
        {
            // Atomic in every store: a full disk leaves no partial copy taking up what little space is left.
            await _blobs.WriteAsync(key, new MemoryStream(bytes, writable: false), cancellationToken: cancellationToken);
        }

        return key;
    }

    /// <summary>Opens what the catalog recorded: a blob key, or an older catalog's absolute path (see <see cref="OriginalKeys.FromStored"/>).</summary>
    private async Task<Stream> OpenOriginalAsync(string stored, CancellationToken cancellationToken) =>
        OriginalKeys.FromStored(stored) is { } key
            ? await _blobs.OpenReadAsync(key, cancellationToken)
            : File.OpenRead(stored);

    /// <summary>
    /// The stream itself when it can seek (a local file), else its content in memory: extractors may seek, and a
    /// remote blob's stream cannot. The original was accepted once, so today's size limit does not apply to it.
    /// </summary>
    private static async Task<Stream> SeekableAsync(Stream stream, long expectedBytes, CancellationToken cancellationToken)
    {
        if (stream.CanSeek)
        {
            return stream;
        }

        await using (stream)
        {
            var copy = new MemoryStream((int)Math.Clamp(expectedBytes, 0, Array.MaxLength));
            await stream.CopyToAsync(copy, cancellationToken);
            copy.Position = 0;
            return copy;
        }
    }

    // Not cancellable: it runs once the record is gone, and an original left behind would never be found again.
    private async Task DeleteOriginalIfUnusedAsync(string stored)
    {
        if (_catalog.IsOriginalReferenced(stored))
        {
            return;
        }

        if (OriginalKeys.FromStored(stored) is { } key)
        {
            await _blobs.DeleteAsync(key, CancellationToken.None);
        }
        else if (Path.IsPathRooted(stored) && File.Exists(stored))
        {
            File.Delete(stored);
        }
    }

    private async Task<byte[]> ReadLimitedAsync(Stream content, string name, CancellationToken cancellationToken)
    {
        if (content.CanSeek && content.Length - content.Position > _options.MaxFileBytes)
        {
            throw TooLarge(name);
        }

        using var buffer = new MemoryStream();
        var chunk = new byte[1 << 16];
        int read;
        while ((read = await content.ReadAsync(chunk, cancellationToken)) > 0)
        {
            if (buffer.Length + read > _options.MaxFileBytes)
            {
                throw TooLarge(name);
            }

            buffer.Write(chunk, 0, read);
        }

        return buffer.ToArray();
    }

    private DocumentRejectedException TooLarge(string name) => new(
        name, DocumentRejectionReason.TooLarge, $"the file is larger than the limit of {_options.MaxFileBytes / (1024 * 1024)} MB");

    private static int PageCount(ExtractedDocument document) =>
        document.Sections.Count == 0 ? 0 : document.Sections.Max(section => section.Page);

    private IngestionOutcome Failed(string name, string error, Exception? cause = null)
    {
        if (cause is null or DocumentRejectedException)
        {
            LogRejected(name, error);
        }

        return new IngestionOutcome(name, IngestionStatus.Failed, Error: error, Cause: cause);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Ingested {Set}/{Name}: {Pages} pages, {Chunks} chunks")]
    private partial void LogIngested(string set, string name, int pages, int chunks);

    [LoggerMessage(Level = LogLevel.Information, Message = "Rejected {Name}: {Reason}")]
    private partial void LogRejected(string name, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Indexing {Set}/{Name} failed; removing its chunks")]
    private partial void LogIndexingFailed(Exception exception, string set, string name);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Ingesting {Set}/{Name} failed")]
    private partial void LogStepFailed(Exception exception, string set, string name);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Removing the partly indexed {Set}/{Name} failed; it stays marked for a redo")]
    private partial void LogCleanupFailed(Exception exception, string set, string name);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Refused {Set}/{Name}: the set was embedded with {SetModel}, this process embeds with {ProcessModel}")]
    private partial void LogModelMismatch(string set, string name, string setModel, string processModel);

    [LoggerMessage(Level = LogLevel.Information, Message = "Resuming interrupted indexing of {Set}/{Name}")]
    private partial void LogResuming(string set, string name);
}
