namespace QwenRag.Api.Auth;

public enum ApiKeyRole
{
    /// <summary>Search and ask.</summary>
    Reader,

    /// <summary>Everything a reader may do, plus ingest, delete and the console.</summary>
    Admin,
}
