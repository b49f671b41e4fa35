namespace QwenRag.Api.AdminConsole;

/// <summary>One embedded console file with its content type.</summary>
public sealed record ConsoleAsset(string Name, string ContentType, byte[] Content);
