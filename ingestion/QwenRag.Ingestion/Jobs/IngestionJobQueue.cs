using System.Globalization;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using QwenRag.Core;
using QwenRag.Core.Telemetry;
using QwenRag.Ingestion.Extraction;

namespace QwenRag.Ingestion.Jobs;

/// <summary>
/// The durable queue of ingestion jobs: rows in the data directory's SQLite database, uploads kept by
/// <see cref="StagedUploads"/> in the blob store. A job is only inserted once its upload is stored, so an accepted job is never
/// lost. Workers claim jobs with a lease, renew it while they work and give the job back when they finish; a job
/// whose worker vanished is found by <see cref="RecoverAbandoned"/> and queued again; a job that failed for a
/// passing reason is <see cref="Requeue">queued again</see> for later. Several processes may share one queue:
/// every change is one SQLite statement or transaction.
/// </summary>
public sealed class IngestionJobQueue : IJobQueue
{
    public const string SchemaComponent = "jobs";

    private const string Columns =
        "id, set_name, document_name, content_type, tags, status, progress, error, document_id, attempts, created_at, updated_at, transient_failures, not_before, trace_parent";

    public static IReadOnlyList<SqliteMigration> Migrations { get; } =
    [
        SqliteMigration.Sql(1, "ingestion_jobs", """
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
            """),
        SqliteMigration.Sql(2, "transient failures and the time of the next attempt", """
            ALTER TABLE ingestion_jobs ADD COLUMN transient_failures INTEGER NOT NULL DEFAULT 0;
            ALTER TABLE ingestion_jobs ADD COLUMN not_before INTEGER;
            """),
        SqliteMigration.Sql(3, "the trace context of the request that queued the job", """
            ALTER TABLE ingestion_jobs ADD COLUMN trace_parent TEXT;
            """),
    ];

    private readonly SqliteDatabase _database;

    public IngestionJobQueue(DataDirectory data)
        : this(data, new StagedUploads(data ?? throw new ArgumentNullException(nameof(data))))
    {
    }

    public IngestionJobQueue(DataDirectory data, StagedUploads uploads)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(uploads);
        data.EnsureCreated();
        Uploads = uploads;
        _database = data.Database;
        _database.Migrate(SchemaComponent, Migrations);
    }

    /// <summary>Where the jobs' uploads wait for a worker.</summary>
    public StagedUploads Uploads { get; }

    /// <summary>Raised after a job was queued (or re-queued by <see cref="Retry"/>) in this process, to wake its workers.</summary>
    public event Action? Enqueued;

    /// <summary>
    /// Queues the files of one upload all or nothing: every file is staged and flushed first, then all the jobs are
    /// recorded in one transaction. On any failure every staged file is deleted and no job is recorded.
    /// </summary>
    /// <exception cref="DocumentRejectedException">An upload is larger than <paramref name="maxBytes"/>; nothing is kept.</exception>
    /// <exception cref="StorageFullException">The disk is full; nothing is kept.</exception>
    /// <exception cref="ArgumentException">The set name is invalid, or there is no file.</exception>
    public async Task<IReadOnlyList<IngestionJob>> EnqueueAsync(
        string set,
        IReadOnlyList<UploadToQueue> files,
        IReadOnlyList<string> tags,
        long maxBytes,
        CancellationToken cancellationToken = default)
    {
        var jobs = await Uploads.StageJobsAsync(
            set,
            files,
            tags,
            maxBytes,
            SqliteDatabase.Now(),
            queued =>
            {
                using var connection = Open();
                using var transaction = connection.BeginTransaction();
                foreach (var job in queued)
                {
                    using var command = connection.CreateCommand();
                    command.Transaction = transaction;
                    command.CommandText = """
                        INSERT INTO ingestion_jobs
                            (id, set_name, document_name, content_type, tags, status, progress, attempts, created_at, updated_at, trace_parent)
                        VALUES ($id, $set, $name, $type, $tags, 'Queued', 0, 0, $now, $now, $traceParent)
                        """;
                    command.Parameters.AddWithValue("$id", job.Id);
                    command.Parameters.AddWithValue("$set", set);
                    command.Parameters.AddWithValue("$name", job.DocumentName);
                    command.Parameters.AddWithValue("$type", (object?)job.ContentType ?? DBNull.Value);
                    command.Parameters.AddWithValue("$tags", JsonSerializer.Serialize(job.Tags));
                    command.Parameters.AddWithValue("$now", SqliteDatabase.Timestamp(job.CreatedAt));
                    command.Parameters.AddWithValue("$traceParent", (object?)job.TraceParent ?? DBNull.Value);
                    command.ExecuteNonQuery();
                }

                transaction.Commit();
                return Task.CompletedTask;
            },
            cancellationToken);

        Enqueued?.Invoke();
        return jobs;
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

    /// <summary>Jobs in each status, in any process (one grouped count; for the jobs gauge).</summary>
    public IReadOnlyDictionary<JobStatus, long> CountByStatus()
    {
        using var connection = Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT status, COUNT(*) FROM ingestion_jobs GROUP BY status";
        using var reader = command.ExecuteReader();
        var counts = Enum.GetValues<JobStatus>().ToDictionary(status => status, _ => 0L);
        while (reader.Read())
        {
            counts[Enum.Parse<JobStatus>(reader.GetString(0))] = reader.GetInt64(1);
        }

        return counts;
    }

    /// <summary>
    /// Puts a failed job back in the queue, its error cleared and its attempts kept. False when the job is not
    /// <see cref="JobStatus.Failed"/>, or its staged upload is gone (see <see cref="PruneStagedUploads"/>).
    /// Its transient failures start counting again.
    /// </summary>
    public bool Retry(string id)
    {
        if (!Uploads.Exists(id))
        {
            return false;
        }

        using var connection = Open();
        using var command = connection.CreateCommand();
        command.CommandText = """
            UPDATE ingestion_jobs
            SET status = 'Queued', progress = 0, error = NULL, document_id = NULL,
                transient_failures = 0, not_before = NULL, updated_at = $now,
                trace_parent = COALESCE($traceParent, trace_parent)
            WHERE id = $id AND status = 'Failed'
            """;
        command.Parameters.AddWithValue("$id", id);
        command.Parameters.AddWithValue("$traceParent", (object?)QwenRagTelemetry.CurrentTraceParent() ?? DBNull.Value);
        command.Parameters.AddWithValue("$now", SqliteDatabase.Timestamp(DateTimeOffset.UtcNow));
        if (command.ExecuteNonQuery() != 1)
        {
            return false;
        }

        Enqueued?.Invoke();
        return true;
    }

    /// <summary>
    /// Atomically takes the oldest queued job that is due (its <see cref="IngestionJob.NextAttemptAt"/>, if any, has
    /// come): it becomes <see cref="JobStatus.Running"/>, owned by <paramref name="worker"/> until
    /// <paramref name="lease"/> from now, with one more attempt. Null when none is due.
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
            WHERE id = (
                SELECT id FROM ingestion_jobs
                WHERE status = 'Queued' AND (not_before IS NULL OR not_before <= $now)
                ORDER BY created_at, rowid LIMIT 1)
            RETURNING {Columns}
            """;
        command.Parameters.AddWithValue("$worker", worker);
        command.Parameters.AddWithValue("$expires", SqliteDatabase.Timestamp(now + lease));
        command.Parameters.AddWithValue("$now", SqliteDatabase.Timestamp(now));
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
            ("$expires", SqliteDatabase.Timestamp(now + lease)),
            ("$progress", progress is { } p ? Math.Clamp(p, 0, 1) : DBNull.Value),
            ("$now", SqliteDatabase.Timestamp(now)));
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
            ("$now", SqliteDatabase.Timestamp(DateTimeOffset.UtcNow)));
        if (completed)
        {
            Uploads.Delete(id);
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
            ("$now", SqliteDatabase.Timestamp(DateTimeOffset.UtcNow)));
    }

    /// <summary>
    /// Gives a job the worker holds back to the queue after a transient failure: it stays
    /// <see cref="JobStatus.Queued"/> with <paramref name="error"/> visible and one more transient failure counted,
    /// and is not claimed again before <paramref name="notBefore"/>. Its staged upload is kept.
    /// </summary>
    public bool Requeue(string id, string worker, string error, DateTimeOffset notBefore)
    {
        ArgumentException.ThrowIfNullOrEmpty(error);
        return UpdateOwned(
            id,
            worker,
            """
            status = 'Queued', progress = 0, error = $error, transient_failures = transient_failures + 1,
            not_before = $notBefore, lease_owner = NULL, lease_expires_at = NULL, updated_at = $now
            """,
            ("$error", error),
            ("$notBefore", SqliteDatabase.Timestamp(notBefore)),
            ("$now", SqliteDatabase.Timestamp(DateTimeOffset.UtcNow)));
    }

    /// <summary>When the next queued job becomes due (now or in the past when one is due already); null when none is queued.</summary>
    public DateTimeOffset? NextDue()
    {
        using var connection = Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT MIN(COALESCE(not_before, 0)) FROM ingestion_jobs WHERE status = 'Queued'";
        return command.ExecuteScalar() is long due ? SqliteDatabase.ReadTimestamp(due) : null;
    }

    /// <summary>
    /// Queues again every running job whose lease has expired or whose owner <paramref name="isOwnerGone"/> says is
    /// gone. A job whose worker vanished <paramref name="maxAttempts"/> times (starts that did not end in a
    /// transient failure) fails instead, so that a document that kills its worker cannot do so forever. Returns the jobs changed, as they are now.
    /// </summary>
    public IReadOnlyList<IngestionJob> RecoverAbandoned(Func<string, bool>? isOwnerGone = null, int maxAttempts = int.MaxValue)
    {
        var now = SqliteDatabase.Timestamp(DateTimeOffset.UtcNow);
        using var connection = Open();
        using var transaction = connection.BeginTransaction();
        var abandoned = new List<(string Id, string? Owner, int Attempts)>();
        using (var select = connection.CreateCommand())
        {
            select.Transaction = transaction;
            select.CommandText = """
                SELECT id, lease_owner, lease_expires_at, attempts - transient_failures FROM ingestion_jobs WHERE status = 'Running'
                """;
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
                SET status = $status, error = COALESCE($error, error), lease_owner = NULL, lease_expires_at = NULL, updated_at = $now
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
    /// Deletes staged uploads nothing will read again (see <see cref="StagedUploads.Prune"/>): of succeeded jobs, of
    /// jobs failed longer than <paramref name="failedRetention"/> ago, and orphans older than <paramref name="orphanAge"/>.
    /// </summary>
    public int PruneStagedUploads(TimeSpan failedRetention, TimeSpan orphanAge)
    {
        var jobs = new Dictionary<string, (JobStatus Status, DateTimeOffset UpdatedAt)>(StringComparer.Ordinal);
        using (var connection = Open())
        using (var command = connection.CreateCommand())
        {
            command.CommandText = "SELECT id, status, updated_at FROM ingestion_jobs";
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                jobs[reader.GetString(0)] = (Enum.Parse<JobStatus>(reader.GetString(1)), SqliteDatabase.ReadTimestamp(reader.GetInt64(2)));
            }
        }

        return Uploads.Prune(jobs, failedRetention, orphanAge);
    }

    private static bool IsJobId(string? id) => StagedUploads.IsJobId(id);

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
                SqliteDatabase.ReadTimestamp(reader.GetInt64(10)),
                SqliteDatabase.ReadTimestamp(reader.GetInt64(11)))
            {
                TransientFailures = reader.GetInt32(12),
                NextAttemptAt = reader.IsDBNull(13) ? null : SqliteDatabase.ReadTimestamp(reader.GetInt64(13)),
                TraceParent = reader.IsDBNull(14) ? null : reader.GetString(14),
            });
        }

        return jobs;
    }

    // FULL (the database's setting): a job that was answered with 202 survives a power cut, not only a process crash.
    private SqliteConnection Open() => _database.Open();
}
