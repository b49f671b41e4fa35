namespace QwenRag.Api.Tests;

/// <summary>One <c>file</c> part of an upload: the name the client sends and the bytes.</summary>
public sealed record UploadFile(string Name, byte[] Content, string ContentType = "application/octet-stream")
{
    public static UploadFile FromPath(string path, string? name = null) =>
        new(name ?? Path.GetFileName(path), File.ReadAllBytes(path), ContentTypeOf(path));

    public static UploadFile Text(string name, string text) =>
        new(name, System.Text.Encoding.UTF8.GetBytes(text), ContentTypeOf(name));

    private static string ContentTypeOf(string path) => Path.GetExtension(path).ToLowerInvariant() switch
    {
        ".pdf" => "application/pdf",
        ".md" => "text/markdown",
        ".html" or ".htm" => "text/html",
        ".txt" => "text/plain",
        ".docx" => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        _ => "application/octet-stream",
    };
}
