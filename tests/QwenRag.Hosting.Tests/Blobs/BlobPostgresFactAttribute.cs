namespace QwenRag.Hosting.Tests.Blobs;

/// <summary>A fact that needs PostgreSQL's binaries for <see cref="BlobTestPostgres"/>; skipped with the reason without them.</summary>
public sealed class BlobPostgresFactAttribute : FactAttribute
{
    public BlobPostgresFactAttribute()
    {
        if (BlobTestPostgres.SkipReason is { } reason)
        {
            Skip = reason;
        }
    }
}
