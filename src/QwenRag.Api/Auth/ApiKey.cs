namespace QwenRag.Api.Auth;

/// <summary>One configured key: its secret, its role, and optionally the only sets it may touch.</summary>
public sealed class ApiKey
{
    public string Key { get; set; } = string.Empty;

    public ApiKeyRole Role { get; set; } = ApiKeyRole.Reader;

    /// <summary>Sets this key is limited to; empty means all sets.</summary>
    public List<string> Sets { get; set; } = [];
}
