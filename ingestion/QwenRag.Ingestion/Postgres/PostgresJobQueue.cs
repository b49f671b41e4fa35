using Npgsql;
using NpgsqlTypes;
using QwenRag.Core.Postgres;
using QwenRag.Core.Telemetry;
using QwenRag.Ingestion.Jobs;

namespace QwenRag.Ingestion.Postgres;

/// <summary>
/// The job queue in PostgreSQL, shared by workers on any number of machines; the same states and semantics as
/// <see cref="IngestionJobQueue"/>. A claim locks the oldest due row with <c>FOR UPDATE SKIP LOCKED</c>, so
/// concurrent workers never wait on nor take the same job; leases expire by the database's clock, so machines whose
/// clocks differ agree on when a job was abandoned; every outcome is written only while the writer holds the lease.
/// Enqueueing sends a <c>NOTIFY</c> in the same transaction, which wakes the <see cref="Enqueued"/> listeners of every
/// process (a connection kept for <c>LISTEN</c> once someone subscribes); workers poll as well.
/// </summary>
public sealed class PostgresJobQueue : IJobQueue, IAsyncDisposable, IDisposable
{
    public const string SchemaComponent = "jobs";

    /// <summary>The channel <c>NOTIFY</c> signals queued jobs on.</summary>
    public const string Channel = "qwenrag_jobs";

    private const string Columns =
        "id, set_name, document_name, content_type, tags, status, progress, error, document_id, attempts, created_at, updated_at, transient_failures, not_before, trace_parent";

    private static readonly TimeSpan ListenRetry = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan ListenKeepAlive = TimeSpan.FromSeconds(30);

    private readonly PostgresDatabase _database;
    private readonly Lock _listenLock = new();
    private readonly CancellationTokenSource _stopping = new();

    // Sent as the payload of this instance's notifications, so that its listener skips what it raised itself.
    private readonly string _instance = Guid.NewGuid().ToString("N");
    private Action? _enqueued;
    private Task? _listening;
    private int _disposed;

    public PostgresJobQueue(PostgresDatabase database, StagedUploads uploads)
    {
        ArgumentNullException.ThrowIfNull(database);
        ArgumentNullException.ThrowIfNull(uploads);
        _database = database;
        Uploads = uploads;
    }

    public static IReadOnlyList<PostgresMigration> Migrations { get; } =
    [
        new(1, "ingestion_jobs", """
            CREATE TABLE ingestion_jobs (
                seq                bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
                id                 text             PRIMARY KEY,
                set_name           text             NOT NULL,
                document_name      text             NOT NULL,
                content_type       text,
                tags               text[]           NOT NULL,
                status             text             NOT NULL CHECK (status IN ('Queued', 'Running', 'Succeeded', 'Failed')),
                progress           double precision NOT NULL,
                error              text,
                document_id        text,
                attempts           integer          NOT NULL,
                transient_failures integer          NOT NULL DEFAULT 0,
                not_before         timestamptz,
                lease_owner        text,
                lease_expires_at   timestamptz,
                created_at         timestamptz      NOT NULL,
                updated_at         timestamptz      NOT NULL,
                trace_parent       text
            );
            CREATE INDEX ingestion_jobs_queued ON ingestion_jobs (created_at, seq) WHERE status = 'Queued';
            CREATE INDEX ingestion_jobs_running ON ingestion_jobs (lease_expires_at) WHERE status = 'Running';
            CREATE INDEX ingestion_jobs_by_set ON ingestion_jobs (set_name, created_at);
            CREATE INDEX ingestion_jobs_by_time ON ingestion_jobs (created_at, seq);
            """),
    ];

    public StagedUploads Uploads { get; }

    public event Action? Enqueued
    {
        add
        {
            lock (_listenLock)
            {
                _enqueued += value;
                _listening ??= Task.Run(() => ListenAsync(_stopping.Token));
            }
        }

        remove
        {
            lock (_listenLock)
            {
                _enqueued -= value;
            }
        }
    }

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
            PostgresTime.Now(),
            queued =>
            {
                _database.EnsureMigrated(SchemaComponent, Migrations);
                return _database.RunAsync(
                    async connection =>
                    {
                        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
                        foreach (var job in queued)
                        {
                            await using var command = new NpgsqlCommand(
                                """
                                INSERT INTO ingestion_jobs
                                    (id, set_name, document_name, content_type, tags, status, progress, attempts, created_at, updated_at, trace_parent)
                                VALUES (@id, @set, @name, @type, @tags, 'Queued', 0, 0, @now, @now, @traceParent)
                                """,
                                connection,
                                transaction);
                            command.Parameters.AddWithValue("id", job.Id);
                            command.Parameters.AddWithValue("set", set);
                            command.Parameters.AddWithValue("name", job.DocumentName);
                            command.Parameters.Add(new NpgsqlParameter("type", NpgsqlDbType.Text) { Value = (object?)job.ContentType ?? DBNull.Value });
                            command.Parameters.Add(Tags(job.Tags));
                            command.Parameters.AddWithValue("now", job.CreatedAt);
                            command.Parameters.Add(new NpgsqlParameter("traceParent", NpgsqlDbType.Text) { Value = (object?)job.TraceParent ?? DBNull.Value });
                            await command.ExecuteNonQueryAsync(cancellationToken);
                        }

                        await NotifyAsync(connection, transaction, cancellationToken);
                        await transaction.CommitAsync(cancellationToken);
                        return queued.Count;
                    },
                    cancellationToken);
            },
            cancellationToken);

        RaiseEnqueued();
        return jobs;
    }

    public IngestionJob? Find(string id) => StagedUploads.IsJobId(id)
        ? Run(connection =>
        {
            using var command = new NpgsqlCommand($"SELECT {Columns} FROM ingestion_jobs WHERE id = @id", connection);
            command.Parameters.AddWithValue("id", id);
            return ReadJobs(command).FirstOrDefault();
        })
        : null;

    public IReadOnlyList<IngestionJob> List(string? set = null, JobStatus? status = null, int limit = 100) => Run(connection =>
    {
        using var command = new NpgsqlCommand(
            $"""
            SELECT {Columns} FROM ingestion_jobs
            WHERE (@set::text IS NULL OR set_name = @set) AND (@status::text IS NULL OR status = @status)
            ORDER BY created_at DESC, seq DESC LIMIT @limit
            """,
            connection);
        command.Parameters.Add(new NpgsqlParameter("set", NpgsqlDbType.Text) { Value = (object?)set ?? DBNull.Value });
        command.Parameters.Add(new NpgsqlParameter("status", NpgsqlDbType.Text) { Value = status is { } s ? s.ToString() : DBNull.Value });
        command.Parameters.AddWithValue("limit", Math.Max(limit, 0));
        return ReadJobs(command);
    });

    public bool HasUnfinishedJobs() => Run(connection =>
    {
        using var command = new NpgsqlCommand(
            "SELECT EXISTS (SELECT 1 FROM ingestion_jobs WHERE status IN ('Queued', 'Running'))", connection);
        return command.ExecuteScalar() is true;
    });

    public bool Retry(string id)
    {
        if (!Uploads.Exists(id))
        {
            return false;
        }

        var retried = Run(connection =>
        {
            using var transaction = connection.BeginTransaction();
            using var command = new NpgsqlCommand(
                """
                UPDATE ingestion_jobs
                SET status = 'Queued', progress = 0, error = NULL, document_id = NULL,
                    transient_failures = 0, not_before = NULL, updated_at = @now,
                    trace_parent = COALESCE(@traceParent, trace_parent)
                WHERE id = @id AND status = 'Failed'
                """,
                connection,
                transaction);
            command.Parameters.AddWithValue("id", id);
            command.Parameters.Add(new NpgsqlParameter("traceParent", NpgsqlDbType.Text)
            {
                Value = (object?)QwenRagTelemetry.CurrentTraceParent() ?? DBNull.Value,
            });
            command.Parameters.AddWithValue("now", PostgresTime.Now());
            if (command.ExecuteNonQuery() != 1)
            {
                return false;
            }

            Notify(connection, transaction);
            transaction.Commit();
            return true;
        });
        if (retried)
        {
            RaiseEnqueued();
        }

        return retried;
    }

    public IngestionJob? TryClaim(string worker, TimeSpan lease)
    {
        ArgumentException.ThrowIfNullOrEmpty(worker);
        return Run(connection =>
        {
            // The row lock taken by the inner SELECT is held until the UPDATE commits; a concurrent claimer skips it.
            using var transaction = connection.BeginTransaction();
            using var command = new NpgsqlCommand(
                $"""
                WITH next AS (
                    SELECT id FROM ingestion_jobs
                    WHERE status = 'Queued' AND (not_before IS NULL OR not_before <= @now)
                    ORDER BY created_at, seq
                    LIMIT 1
                    FOR UPDATE SKIP LOCKED)
                UPDATE ingestion_jobs AS job
                SET status = 'Running', progress = 0, attempts = job.attempts + 1,
                    lease_owner = @worker, lease_expires_at = clock_timestamp() + @lease, updated_at = @now
                FROM next WHERE job.id = next.id
                RETURNING {Prefixed("job.")}
                """,
                connection,
                transaction);
            command.Parameters.AddWithValue("worker", worker);
            command.Parameters.AddWithValue("lease", lease);
            command.Parameters.AddWithValue("now", PostgresTime.Now());
            var job = ReadJobs(command).FirstOrDefault();
            transaction.Commit();
            return job;
        });
    }

    public bool RenewLease(string id, string worker, TimeSpan lease, double? progress = null) => UpdateOwned(
        id,
        worker,
        "lease_expires_at = clock_timestamp() + @lease, progress = COALESCE(@progress, progress), updated_at = @now",
        new NpgsqlParameter("lease", lease),
        new NpgsqlParameter("progress", NpgsqlDbType.Double) { Value = progress is { } p ? Math.Clamp(p, 0, 1) : DBNull.Value },
        new NpgsqlParameter("now", PostgresTime.Now()));

    public bool Complete(string id, string worker, string documentId)
    {
        ArgumentException.ThrowIfNullOrEmpty(documentId);
        var completed = UpdateOwned(
            id,
            worker,
            """
            status = 'Succeeded', progress = 1, error = NULL, document_id = @document,
            lease_owner = NULL, lease_expires_at = NULL, updated_at = @now
            """,
            new NpgsqlParameter("document", documentId),
            new NpgsqlParameter("now", PostgresTime.Now()));
        if (completed)
        {
            Uploads.Delete(id);
        }

        return completed;
    }

    public bool Fail(string id, string worker, string error)
    {
        ArgumentException.ThrowIfNullOrEmpty(error);
        return UpdateOwned(
            id,
            worker,
            "status = 'Failed', error = @error, lease_owner = NULL, lease_expires_at = NULL, updated_at = @now",
            new NpgsqlParameter("error", error),
            new NpgsqlParameter("now", PostgresTime.Now()));
    }

    public bool Requeue(string id, string worker, string error, DateTimeOffset notBefore)
    {
        ArgumentException.ThrowIfNullOrEmpty(error);
        return UpdateOwned(
            id,
            worker,
            """
            status = 'Queued', progress = 0, error = @error, transient_failures = transient_failures + 1,
            not_before = @notBefore, lease_owner = NULL, lease_expires_at = NULL, updated_at = @now
            """,
            new NpgsqlParameter("error", error),
            new NpgsqlParameter("notBefore", PostgresTime.Write(notBefore)),
            new NpgsqlParameter("now", PostgresTime.Now()));
    }

    public DateTimeOffset? NextDue() => Run(connection =>
    {
        using var command = new NpgsqlCommand(
            "SELECT MIN(COALESCE(not_before, 'epoch'::timestamptz)) FROM ingestion_jobs WHERE status = 'Queued'", connection);
        using var reader = command.ExecuteReader();
        return reader.Read() ? PostgresTime.ReadNullable(reader, 0) : null;
    });

    public IReadOnlyList<IngestionJob> RecoverAbandoned(Func<string, bool>? isOwnerGone = null, int maxAttempts = int.MaxValue)
    {
        var changed = Run(connection =>
        {
            using var transaction = connection.BeginTransaction();
            var abandoned = new List<(string Id, string? Owner, int Attempts)>();

            // Rows a claimer or another recoverer holds are skipped: they are being changed right now.
            using (var select = new NpgsqlCommand(
                """
                SELECT id, lease_owner, lease_expires_at IS NULL OR lease_expires_at < clock_timestamp(), attempts - transient_failures
                FROM ingestion_jobs WHERE status = 'Running'
                FOR UPDATE SKIP LOCKED
                """,
                connection,
                transaction))
            using (var reader = select.ExecuteReader())
            {
                while (reader.Read())
                {
                    var owner = reader.IsDBNull(1) ? null : reader.GetString(1);
                    if (reader.GetBoolean(2) || owner is null || (isOwnerGone?.Invoke(owner) ?? false))
                    {
                        abandoned.Add((reader.GetString(0), owner, reader.GetInt32(3)));
                    }
                }
            }

            var requeued = false;
            foreach (var (id, owner, attempts) in abandoned)
            {
                var giveUp = attempts >= maxAttempts;
                using var update = new NpgsqlCommand(
                    """
                    UPDATE ingestion_jobs
                    SET status = @status, error = COALESCE(@error, error), lease_owner = NULL, lease_expires_at = NULL, updated_at = @now
                    WHERE id = @id AND status = 'Running' AND lease_owner IS NOT DISTINCT FROM @owner
                    """,
                    connection,
                    transaction);
                update.Parameters.AddWithValue("status", giveUp ? nameof(JobStatus.Failed) : nameof(JobStatus.Queued));
                update.Parameters.Add(new NpgsqlParameter("error", NpgsqlDbType.Text)
                {
                    Value = giveUp ? $"Gave up after {attempts} attempts: the worker processing this document stopped each time." : DBNull.Value,
                });
                update.Parameters.AddWithValue("now", PostgresTime.Now());
                update.Parameters.AddWithValue("id", id);
                update.Parameters.Add(new NpgsqlParameter("owner", NpgsqlDbType.Text) { Value = (object?)owner ?? DBNull.Value });
                update.ExecuteNonQuery();
                requeued |= !giveUp;
            }

            if (requeued)
            {
                Notify(connection, transaction);
            }

            transaction.Commit();
            return abandoned.Select(job => job.Id).ToList();
        });
        return changed.Select(Find).OfType<IngestionJob>().ToList();
    }

    public int PruneStagedUploads(TimeSpan failedRetention, TimeSpan orphanAge)
    {
        var jobs = Run(connection =>
        {
            using var command = new NpgsqlCommand("SELECT id, status, updated_at FROM ingestion_jobs", connection);
            using var reader = command.ExecuteReader();
            var all = new Dictionary<string, (JobStatus Status, DateTimeOffset UpdatedAt)>(StringComparer.Ordinal);
            while (reader.Read())
            {
                all[reader.GetString(0)] = (Enum.Parse<JobStatus>(reader.GetString(1)), PostgresTime.Read(reader, 2));
            }

            return all;
        });
        return Uploads.Prune(jobs, failedRetention, orphanAge);
    }

    public IReadOnlyDictionary<JobStatus, long> CountByStatus()
    {
        _database.EnsureMigrated(SchemaComponent, Migrations);
        return Run(connection =>
        {
            using var command = new NpgsqlCommand("SELECT status, COUNT(*) FROM ingestion_jobs GROUP BY status", connection);
            using var reader = command.ExecuteReader();
            var counts = Enum.GetValues<JobStatus>().ToDictionary(status => status, _ => 0L);
            while (reader.Read())
            {
                counts[Enum.Parse<JobStatus>(reader.GetString(0))] = reader.GetInt64(1);
            }

            return counts;
        });
    }

    // Disposal may come twice (the container disposes both registrations of one instance), and the token source
    // is never disposed: the listener may still be reading it as it stops.
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            _stopping.Cancel();
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            await _stopping.CancelAsync();
        }

        if (_listening is { } listening)
        {
            await listening.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    private static string Prefixed(string prefix) =>
        string.Join(", ", Columns.Split(", ").Select(column => prefix + column));

    private static NpgsqlParameter Tags(IReadOnlyList<string> tags) =>
        new("tags", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = tags.ToArray() };

    private void Notify(NpgsqlConnection connection, NpgsqlTransaction transaction)
    {
        using var command = new NpgsqlCommand("SELECT pg_notify(@channel, @payload)", connection, transaction);
        command.Parameters.AddWithValue("channel", Channel);
        command.Parameters.AddWithValue("payload", _instance);
        command.ExecuteNonQuery();
    }

    private async Task NotifyAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("SELECT pg_notify(@channel, @payload)", connection, transaction);
        command.Parameters.AddWithValue("channel", Channel);
        command.Parameters.AddWithValue("payload", _instance);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static List<IngestionJob> ReadJobs(NpgsqlCommand command)
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
                reader.GetFieldValue<string[]>(4),
                Enum.Parse<JobStatus>(reader.GetString(5)),
                reader.GetDouble(6),
                reader.IsDBNull(7) ? null : reader.GetString(7),
                reader.IsDBNull(8) ? null : reader.GetString(8),
                reader.GetInt32(9),
                PostgresTime.Read(reader, 10),
                PostgresTime.Read(reader, 11))
            {
                TransientFailures = reader.GetInt32(12),
                NextAttemptAt = PostgresTime.ReadNullable(reader, 13),
                TraceParent = reader.IsDBNull(14) ? null : reader.GetString(14),
            });
        }

        return jobs;
    }

    private T Run<T>(Func<NpgsqlConnection, T> work)
    {
        _database.EnsureMigrated(SchemaComponent, Migrations);
        return _database.Run(work);
    }

    private bool UpdateOwned(string id, string worker, string assignments, params NpgsqlParameter[] parameters)
    {
        if (!StagedUploads.IsJobId(id))
        {
            return false;
        }

        return Run(connection =>
        {
            using var command = new NpgsqlCommand(
                $"UPDATE ingestion_jobs SET {assignments} WHERE id = @id AND status = 'Running' AND lease_owner = @worker",
                connection);
            command.Parameters.AddWithValue("id", id);
            command.Parameters.AddWithValue("worker", worker);
            command.Parameters.AddRange(parameters);
            return command.ExecuteNonQuery() == 1;
        });
    }

    private void RaiseEnqueued()
    {
        Action? handlers;
        lock (_listenLock)
        {
            handlers = _enqueued;
        }

        handlers?.Invoke();
    }

    /// <summary>
    /// Holds a connection that LISTENs on <see cref="Channel"/> and raises <see cref="Enqueued"/> for each
    /// notification from another process, reconnecting after a failure (and raising once then, for what was queued
    /// meanwhile).
    /// </summary>
    private async Task ListenAsync(CancellationToken cancellationToken)
    {
        var reconnecting = false;
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await using var connection = await _database.DataSource.OpenConnectionAsync(cancellationToken);
                connection.Notification += (_, notification) =>
                {
                    if (notification.Payload != _instance)
                    {
                        RaiseEnqueued();
                    }
                };

                // LISTEN takes an identifier, not a parameter; the channel is this class's constant.
                await using (var listen = new NpgsqlCommand($"LISTEN {Channel}", connection))
                {
                    await listen.ExecuteNonQueryAsync(cancellationToken);
                }

                if (reconnecting)
                {
                    RaiseEnqueued();
                }

                while (true)
                {
                    if (!await connection.WaitAsync(ListenKeepAlive, cancellationToken))
                    {
                        // Nothing for a while: make sure the connection is alive (a dropped one fails here).
                        await using var ping = new NpgsqlCommand("SELECT 1", connection);
                        await ping.ExecuteNonQueryAsync(cancellationToken);
                    }
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                // The database is down or the connection dropped: polling covers the gap; try again shortly.
                reconnecting = true;
                try
                {
                    await Task.Delay(ListenRetry, cancellationToken);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }
}
