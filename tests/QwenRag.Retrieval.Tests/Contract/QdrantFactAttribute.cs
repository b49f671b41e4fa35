namespace QwenRag.Retrieval.Tests.Contract;

/// <summary>A fact that needs a real Qdrant server at <c>QDRANT_URL</c> (gRPC, e.g. http://localhost:6334); skipped without one.</summary>
public sealed class QdrantFactAttribute : FactAttribute
{
    public const string UrlVariable = "QDRANT_URL";

    public const string SkipReason = "QDRANT_URL is not set: no Qdrant server can run on this machine";

    public QdrantFactAttribute()
    {
        if (string.IsNullOrWhiteSpace(Url))
        {
            Skip = SkipReason;
        }
    }

    public static string? Url => Environment.GetEnvironmentVariable(UrlVariable);
}
