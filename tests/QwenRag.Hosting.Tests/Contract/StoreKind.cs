namespace QwenRag.Hosting.Tests.Contract;

/// <summary>Where a contract test runs the catalog and the job queue.</summary>
public enum StoreKind
{
    Sqlite,
    Postgres,
}
