using System.Net.Sockets;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using QwenRag.Core;
using QwenRag.Core.Blobs;
using QwenRag.Hosting.Worker;
using QwenRag.Ingestion.Extraction;

namespace QwenRag.Hosting.Tests;

public sealed class FailureClassifierTests
{
    public static TheoryData<Exception?, IngestionFailureKind> Cases => new()
    {
        { null, IngestionFailureKind.Rejected },
        { new DocumentRejectedException("a.pdf", DocumentRejectionReason.Encrypted, "encrypted"), IngestionFailureKind.Rejected },
        { new DocumentRejectedException("a.docx", DocumentRejectionReason.Corrupt, "damaged", new IOException("truncated")), IngestionFailureKind.Rejected },
        { new EmbeddingModelMismatchException("docs", "all-MiniLM-L6-v2", "snowflake-arctic-embed-xs"), IngestionFailureKind.Rejected },
        { new StorageFullException(StorageFullException.DefaultMessage), IngestionFailureKind.Transient },
        { new IOException("No space left on device", 28), IngestionFailureKind.Transient },
        { new IOException("input/output error"), IngestionFailureKind.Transient },
        { new SqliteException("database is locked", 5), IngestionFailureKind.Transient },
        { new SqliteException("database table is locked", 6), IngestionFailureKind.Transient },
        { new SqliteException("disk I/O error", 10), IngestionFailureKind.Transient },
        { new SqliteException("database or disk is full", 13), IngestionFailureKind.Transient },
        { new SqliteException("SQL logic error", 1), IngestionFailureKind.Unexpected },
        { new SqliteException("database disk image is malformed", 11), IngestionFailureKind.Unexpected },
        { new HttpRequestException("connection refused"), IngestionFailureKind.Transient },
        { new SocketException((int)SocketError.ConnectionRefused), IngestionFailureKind.Transient },
        { new TimeoutException(), IngestionFailureKind.Transient },
        { new CatalogUnavailableException("The catalog database (PostgreSQL at db:5432/qwenrag) is unavailable"), IngestionFailureKind.Transient },
        { new InvalidOperationException("wrapped", new SqliteException("database is locked", 5)), IngestionFailureKind.Transient },
        { new AggregateException(new ArgumentException("x"), new TimeoutException()), IngestionFailureKind.Transient },
        { new PostgresException("terminating connection due to administrator command", "FATAL", "FATAL", "57P01"), IngestionFailureKind.Transient },
        { new PostgresException("syntax error", "ERROR", "ERROR", "42601"), IngestionFailureKind.Unexpected },
        { new StorageFullException("disk full", new PostgresException("could not extend file", "ERROR", "ERROR", "53100")), IngestionFailureKind.Transient },
        { new BlobNotFoundException("uploads/x.upload"), IngestionFailureKind.Unexpected },
        { new FileNotFoundException("gone"), IngestionFailureKind.Unexpected },
        { new NullReferenceException(), IngestionFailureKind.Unexpected },
        { new InvalidOperationException("a bug"), IngestionFailureKind.Unexpected },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Classify_Exception_Kind(Exception? cause, IngestionFailureKind expected) =>
        Assert.Equal(expected, IngestionFailureClassifier.Default.Classify(cause));

    [Fact]
    public void Classify_ExtraTransientTest_Used()
    {
        var classifier = new IngestionFailureClassifier([e => e is NotSupportedException { Message: "try later" }]);

        Assert.Equal(IngestionFailureKind.Transient, classifier.Classify(new NotSupportedException("try later")));
        Assert.Equal(IngestionFailureKind.Unexpected, classifier.Classify(new NotSupportedException("never")));
    }

    [Fact]
    public void RetryBackoff_Retries_DoubleWithJitterUpToTheCap()
    {
        var initial = TimeSpan.FromSeconds(5);
        var cap = TimeSpan.FromMinutes(10);
        var random = new Random(7);

        for (var retry = 1; retry <= 12; retry++)
        {
            var nominal = Math.Min(5 * Math.Pow(2, retry - 1), 600);
            var delay = RetryBackoff.Delay(retry, initial, cap, random).TotalSeconds;
            Assert.InRange(delay, nominal * 0.8, Math.Min(nominal * 1.2, 600));
        }

        Assert.InRange(RetryBackoff.Delay(int.MaxValue, initial, cap, random), cap * 0.8, cap);
    }

    [Fact]
    public void Options_Invalid_Rejected()
    {
        var valid = new IngestionWorkerOptions();
        Assert.Equal((20, TimeSpan.FromSeconds(5), TimeSpan.FromMinutes(10)), (valid.MaxTransientAttempts, valid.RetryDelay, valid.MaxRetryDelay));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ServiceCollection().AddIngestionWorker(valid with { MaxTransientAttempts = 0 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ServiceCollection().AddIngestionWorker(valid with { RetryDelay = TimeSpan.Zero }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ServiceCollection().AddIngestionWorker(valid with { MaxRetryDelay = TimeSpan.FromSeconds(1) }));
        new ServiceCollection().AddIngestionWorker(valid);
    }
}
