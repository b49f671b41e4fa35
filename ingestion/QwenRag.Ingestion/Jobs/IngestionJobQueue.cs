using System.Globalization;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using QwenRag.Core;
using QwenRag.Ingestion.Extraction;
using QwenRag.Ingestion.Pipeline;

namespace QwenRag.Ingestion.Jobs;

/// <summary>
/// The durable queue of ingestion jobs: rows in the data directory's SQLite database, uploads staged as
/// <c>uploads/{job id}.upload</c>. A job is only inserted once its upload is on disk, so an accepted job is never
/// lost. Workers claim jobs with a lease, renew it while they work and give the job back when they finish; a job
/// whose worker vanished is found by <see cref="RecoverAbandoned"/> and queued again. Several processes may share
/// one queue: every change is one SQLite statement or transaction.
/// </summary>
public sealed class IngestionJobQueue
{
    public const string UploadsFolder = "uploads";

    private const string StagedExtension = ".upload";
    private const string Columns =
        "id, set_name, document_name, content_type, tags, status, progress, error, document_id, attempts, created_at, updated_at";

    private readonly string _connectionString;
    private readonly string _uploads;

    public IngestionJobQueue(DataDirectory data)
    {
        ArgumentNullException.ThrowIfNull(data);
        data.EnsureCreated();
        _uploads = Path.Combine(data.Root, UploadsFolder);
        Directory.CreateDirectory(_uploads);
        _connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = data.DatabasePath,
            Pooling = true,
            DefaultTimeout = 30,
        }.ToString();
        using var connection = Open();
        using var command = connection.CreateCommand();
        command.CommandText = """
            PRAGMA journal_mode = WAL;
            CREATE TABLE IF NOT EXISTS ingestion_jobs (
                id               TEXT PRIMARY KEY,
                set_name         TEXT NOT NULL,
                document_name    TEXT NOT NULL,
                content_type     TEXT,
                tags             TEXT NOT NULL,
                status           TEXT NOT NULL,
                progress         REAL NOT NULL,
                error            TEXT,
                document_id      TEXT,
                attempts         INTEGER NOT NULL,
                lease_owner      TEXT,
                lease_expires_at INTEGER,
                created_at       INTEGER NOT NULL,
                updated_at       INTEGER NOT NULL
            );
            CREATE INDEX IF NOT EXISTS ingestion_jobs_by_status ON ingestion_jobs (status, created_at);
            CREATE INDEX IF NOT EXISTS ingestion_jobs_by_set ON ingestion_jobs (set_name, created_at);
            """;
        command.ExecuteNonQuery();
    }

    /// <summary>Raised after a job was queued (or re-queued by <see cref="Retry"/>) in this process, to wake its workers.</summary>
    public event Action? Enqueued;

    /// <summary>
    /// Stages the upload under a name made from the new job's id (never the client's file name), flushes it to
    /// disk, then records the job as <see cref="JobStatus.Queued"/>.
    /// </summary>
    /// <exception cref="DocumentRejectedException">The upload is larger than <paramref name="maxBytes"/>; nothing is kept.</exception>
    /// <exception cref="ArgumentException">The set name is invalid.</exception>
    public async Task<IngestionJob> EnqueueAsync(
        string set,
        string documentName,
        Stream content,
        string? contentType,
        IReadOnlyList<string> tags,
        long maxBytes,
        CancellationToken cancellationToken = default)
    {
        SetName.Validate(set);
        ArgumentNullException.ThrowIfNull(content);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxBytes);
        var name = DocumentNames.Clean(documentName);
        var id = Guid.NewGuid().ToString("N");
        var path = StagedFilePath(id);
        var now = DateTimeOffset.FromUnixTimeMilliseconds(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
        var job = new IngestionJob(
            id, set, name, string.IsNullOrWhiteSpace(contentType) ? null : contentType.Trim(), [.. tags ?? []],
            JobStatus.Queued, 0, null, null, 0, now, now);
        try
        {
            await StageAsync(content, path, name, maxBytes, cancellationToken);
            using var connection = Open();
            using var command = connection.CreateCommand();
            command.CommandText = """
                INSERT INTO ingestion_jobs
                    (id, set_name, document_name, content_type, tags, status, progress, attempts, created_at, updated_at)
                VALUES ($id, $set, $name, $type, $tags, 'Queued', 0, 0, $now, $now)
                """;
            command.Parameters.AddWithValue("$id", id);
            command.Parameters.AddWithValue("$set", set);
            command.Parameters.AddWithValue("$name", name);
            command.Parameters.AddWithValue("$type", (object?)job.ContentType ?? DBNull.Value);
            command.Parameters.AddWithValue("$tags", JsonSerializer.Serialize(job.Tags));
            command.Parameters.AddWithValue("$now", now.ToUnixTimeMilliseconds());
            command.ExecuteNonQuery();
        }
        catch
        {
            TryDelete(path);
            throw;
        }

        Enqueued?.Invoke();
        return job;
    }

    public IngestionJob? Find(string id)
    {
        if (!IsJobId(id))
        {
            return null;
        }

        using var connection = Open();
        using var command = connection.CreateCommand();
        command.CommandText = $"SELECT {Columns} FROM ingestion_jobs WHERE id = $id";
        command.Parameters.AddWithValue("$id", id);
        return ReadJobs(command).FirstOrDefault();
    }

    /// <summary>Jobs, newest first, optionally of one set and in one status.</summary>
    public IReadOnlyList<IngestionJob> List(string? set = null, JobStatus? status = null, int limit = 100)
    {
        using var connection = Open();
        using var command = connection.CreateCommand();
        command.CommandText = $"""
            SELECT {Columns} FROM ingestion_jobs
            WHERE ($set IS NULL OR set_name = $set) AND ($status IS NULL OR status = $status)
            ORDER BY created_at DESC, rowid DESC LIMIT $limit
            """;
        command.Parameters.AddWithValue("$set", (object?)set ?? DBNull.Value);
        command.Parameters.AddWithValue("$status", status is { } s ? s.ToString() : DBNull.Value);
        command.Parameters.AddWithValue("$limit", Math.Max(limit, 0));
        return ReadJobs(command);
    }

    /// <summary>Whether any job is queued or running, in any process.</summary>
    public bool HasUnfinishedJobs()
    {
        using var connection = Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT EXISTS (SELECT 1 FROM ingestion_jobs WHERE status IN ('Queued', 'Running'))";
        return Convert.ToInt64(command.ExecuteScalar(), CultureInfo.InvariantCulture) == 1;
    }

    /// <summary>
    /// Puts a failed job back in the queue, its error cleared and its attempts kept. False when the job is not
    /// <see cref="JobStatus.Failed"/>, or its staged upload is gone (see <see cref="PruneStagedUploads"/>).
    /// </summary>
    public bool Retry(string id)
    {
        if (!IsJobId(id) || !File.Exists(StagedFilePath(id)))
        {
            return false;
        }

        using var connection = Open();
        using var command = connection.CreateCommand();
        command.CommandText = """
            UPDATE ingestion_jobs
            SET status = 'Queued', progress = 0, error = NULL, document_id = NULL, updated_at = $now
            WHERE id = $id AND status = 'Failed'
            """;
        command.Parameters.AddWithValue("$id", id);
        command.Parameters.AddWithValue("$now", DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
        if (command.ExecuteNonQuery() != 1)
        {
            return false;
        }

        Enqueued?.Invoke();
        return true;
    }

    /// <summary>
    /// Atomically takes the oldest queued job: it becomes <see cref="JobStatus.Running"/>, owned by
    /// <paramref name="worker"/> until <paramref name="lease"/> from now, with one more attempt. Null when none is queued.
    /// </summary>
    public IngestionJob? TryClaim(string worker, TimeSpan lease)
    {
        ArgumentException.ThrowIfNullOrEmpty(worker);
        var now = DateTimeOffset.UtcNow;
        using var connection = Open();
        using var transaction = connection.BeginTransaction();
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = $"""
            UPDATE ingestion_jobs
            SET status = 'Running', progress = 0, attempts = attempts + 1,
                lease_owner = $worker, lease_expires_at = $expires, updated_at = $now
            WHERE id = (SELECT id FROM ingestion_jobs WHERE status = 'Queued' ORDER BY created_at, rowid LIMIT 1)
            RETURNING {Columns}
            """;
        command.Parameters.AddWithValue("$worker", worker);
        command.Parameters.AddWithValue("$expires", (now + lease).ToUnixTimeMilliseconds());
        command.Parameters.AddWithValue("$now", now.ToUnixTimeMilliseconds());
        var job = ReadJobs(command).FirstOrDefault();
        transaction.Commit();
        return job;
    }

    /// <summary>
    /// Extends <paramref name="worker"/>'s lease on a running job, recording its progress when given. False when
    /// the worker no longer holds the job (it was recovered and handed to another worker): it must stop.
    /// </summary>
    public bool RenewLease(string id, string worker, TimeSpan lease, double? progress = null)
    {
        var now = DateTimeOffset.UtcNow;
        return UpdateOwned(
            id,
            worker,
            "lease_expires_at = $expires, progress = COALESCE($progress, progress), updated_at = $now",
            ("$expires", (now + lease).ToUnixTimeMilliseconds()),
            ("$progress", progress is { } p ? Math.Clamp(p, 0, 1) : DBNull.Value),
            ("$now", now.ToUnixTimeMilliseconds()));
    }

    /// <summary>Marks a job the worker holds as succeeded and deletes its staged upload.</summary>
    public bool Complete(string id, string worker, string documentId)
    {
        ArgumentException.ThrowIfNullOrEmpty(documentId);
        var completed = UpdateOwned(
            id,
            worker,
            """
            status = 'Succeeded', progress = 1, error = NULL, document_id = $document,
            lease_owner = NULL, lease_expires_at = NULL, updated_at = $now
            """,
            ("$document", documentId),
            ("$now", DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()));
        if (completed)
        {
            TryDelete(StagedFilePath(id));
        }

        return completed;
    }

    /// <summary>Marks a job the worker holds as failed; its staged upload is kept so that <see cref="Retry"/> works.</summary>
    public bool Fail(string id, string worker, string error)
    {
        ArgumentException.ThrowIfNullOrEmpty(error);
        return UpdateOwned(
            id,
            worker,
            "status = 'Failed', error = $error, lease_owner = NULL, lease_expires_at = NULL, updated_at = $now",
            ("$error", error),
            ("$now", DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()));
    }

    /// <summary>
    /// Queues again every running job whose lease has expired or whose owner <paramref name="isOwnerGone"/> says is
    /// gone. A job already started <paramref name="maxAttempts"/> times fails instead, so that a document that
    /// kills its worker cannot do so forever. Returns the jobs changed, as they are now.
    /// </summary>
    public IReadOnlyList<IngestionJob> RecoverAbandoned(Func<string, bool>? isOwnerGone = null, int maxAttempts = int.MaxValue)
    {
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        using var connection = Open();
        using var transaction = connection.BeginTransaction();
        var abandoned = new List<(string Id, string? Owner, int Attempts)>();
        using (var select = connection.CreateCommand())
        {
            select.Transaction = transaction;
            select.CommandText = "SELECT id, lease_owner, lease_expires_at, attempts FROM ingestion_jobs WHERE status = 'Running'";
            using var reader = select.ExecuteReader();
            while (reader.Read())
            {
                var owner = reader.IsDBNull(1) ? null : reader.GetString(1);
                var expired = reader.IsDBNull(2) || reader.GetInt64(2) < now;
                if (expired || owner is null || (isOwnerGone?.Invoke(owner) ?? false))
                {
                    abandoned.Add((reader.GetString(0), owner, reader.GetInt32(3)));
                }
            }
        }

        foreach (var (id, owner, attempts) in abandoned)
        {
            using var update = connection.CreateCommand();
            update.Transaction = transaction;
            update.CommandText = """
                UPDATE ingestion_jobs
                SET status = $status, error = $error, lease_owner = NULL, lease_expires_at = NULL, updated_at = $now
                WHERE id = $id AND status = 'Running' AND lease_owner IS $owner
                """;
            var giveUp = attempts >= maxAttempts;
            update.Parameters.AddWithValue("$status", giveUp ? nameof(JobStatus.Failed) : nameof(JobStatus.Queued));
            update.Parameters.AddWithValue("$error", giveUp
                ? $"Gave up after {attempts} attempts: the worker processing this document stopped each time."
                : DBNull.Value);
            update.Parameters.AddWithValue("$now", now);
            update.Parameters.AddWithValue("$id", id);
            update.Parameters.AddWithValue("$owner", (object?)owner ?? DBNull.Value);
            update.ExecuteNonQuery();
        }

        transaction.Commit();
        return abandoned.Select(job => Find(job.Id)).OfType<IngestionJob>().ToList();
    }

    /// <summary>
    /// Deletes staged uploads nothing will read again: those of jobs that failed longer than
    /// <paramref name="failedRetention"/> ago (they can no longer be retried), and files older than
    /// <paramref name="orphanAge"/> with no job (a process that died between staging and queueing). Returns how many.
    /// </summary>
    public int PruneStagedUploads(TimeSpan failedRetention, TimeSpan orphanAge)
    {
        var jobs = new Dictionary<string, (JobStatus Status, long UpdatedAt)>(StringComparer.Ordinal);
        using (var connection = Open())
        using (var command = connection.CreateCommand())
        {
            command.CommandText = "SELECT id, status, updated_at FROM ingestion_jobs";
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                jobs[reader.GetString(0)] = (Enum.Parse<JobStatus>(reader.GetString(1)), reader.GetInt64(2));
            }
        }

        var now = DateTimeOffset.UtcNow;
        var deleted = 0;
        foreach (var path in Directory.EnumerateFiles(_uploads, "*" + StagedExtension))
        {
            var id = Path.GetFileNameWithoutExtension(path);
            var prune = jobs.TryGetValue(id, out var job)
                ? job.Status == JobStatus.Succeeded
                    || (job.Status == JobStatus.Failed && DateTimeOffset.FromUnixTimeMilliseconds(job.UpdatedAt) < now - failedRetention)
                : IsJobId(id) && File.GetLastWriteTimeUtc(path) < (now - orphanAge).UtcDateTime;
            if (prune && TryDelete(path))
            {
                deleted++;
            }
        }

        return deleted;
    }

    /// <summary>Where a job's upload is staged: named by the job id alone.</summary>
    /// <exception cref="ArgumentException"><paramref name="id"/> is not a job id.</exception>
    public string StagedFilePath(string id) => IsJobId(id)
        ? Path.Combine(_uploads, id + StagedExtension)
        : throw new ArgumentException($"'{id}' is not a job id.", nameof(id));

    /// <summary>Job ids are 32 lower-case hex digits; anything else is refused before it nears a path or a query.</summary>
    private static bool IsJobId(string? id) =>
        id is { Length: 32 } && id.All(char.IsAsciiHexDigitLower);

    private static async Task StageAsync(Stream content, string path, string name, long maxBytes, CancellationToken cancellationToken)
    {
        if (content.CanSeek && content.Length - content.Position > maxBytes)
        {
            throw TooLarge(name, maxBytes);
        }

        await using var file = new FileStream(
            path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, FileOptions.Asynchronous);
        var buffer = new byte[1 << 16];
        long total = 0;
        int read;
        while ((read = await content.ReadAsync(buffer, cancellationToken)) > 0)
        {
            total += read;
            if (total > maxBytes)
            {
                throw TooLarge(name, maxBytes);
            }

            await file.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
        }

        await file.FlushAsync(cancellationToken);
        file.Flush(flushToDisk: true);
    }

    private static DocumentRejectedException TooLarge(string name, long maxBytes) => new(
        name,
        DocumentRejectionReason.TooLarge,
        maxBytes >= 1024 * 1024
            ? $"the file is larger than the limit of {maxBytes / (1024 * 1024)} MB"
            : $"the file is larger than the limit of {maxBytes} bytes");

    private bool UpdateOwned(string id, string worker, string assignments, params (string Name, object Value)[] parameters)
    {
        if (!IsJobId(id))
        {
            return false;
        }

        using var connection = Open();
        using var command = connection.CreateCommand();
        command.CommandText = $"""
            UPDATE ingestion_jobs SET {assignments}
            WHERE id = $id AND status = 'Running' AND lease_owner = $worker
            """;
        command.Parameters.AddWithValue("$id", id);
        command.Parameters.AddWithValue("$worker", worker);
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }

        return command.ExecuteNonQuery() == 1;
    }

    private static List<IngestionJob> ReadJobs(SqliteCommand command)
    {
        using var reader = command.ExecuteReader();
        var jobs = new List<IngestionJob>();
        while (reader.Read())
        {
            jobs.Add(new IngestionJob(
                reader.GetString(0),
                reader.GetString(1),
                reader.GetString(2),
                reader.IsDBNull(3) ? null : reader.GetString(3),
                JsonSerializer.Deserialize<string[]>(reader.GetString(4)) ?? [],
                Enum.Parse<JobStatus>(reader.GetString(5)),
                reader.GetDouble(6),
                reader.IsDBNull(7) ? null : reader.GetString(7),
                reader.IsDBNull(8) ? null : reader.GetString(8),
                reader.GetInt32(9),
                DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(10)),
                DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(11))));
        }

        return jobs;
    }

    private static bool TryDelete(string path)
    {
        try
        {
            File.Delete(path);
            return true;
        }
        catch (IOException)
        {
            return false;
        }
        catch (UnauthorizedAccessException)
        {
            return false;
        }
    }

    private SqliteConnection Open()
    {
        var connection = new SqliteConnection(_connectionString);
        connection.Open();
        using var command = connection.CreateCommand();
        // FULL: a job that was answered with 202 survives a power cut, not only a process crash.
        command.CommandText = "PRAGMA busy_timeout = 30000; PRAGMA synchronous = FULL;";
        command.ExecuteNonQuery();
        return connection;
    }
}
