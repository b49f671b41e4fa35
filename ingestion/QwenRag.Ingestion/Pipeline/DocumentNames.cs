namespace QwenRag.Ingestion.Pipeline;

/// <summary>Turns whatever name a client sent into a display name: no directories, no control characters.</summary>
public static class DocumentNames
{
    public const int MaxLength = 255;

    public static string Clean(string? fileName)
    {
        var name = (fileName ?? string.Empty).Replace('\\', '/');
        name = name[(name.LastIndexOf('/') + 1)..];
        name = new string(name.Where(c => !char.IsControl(c)).ToArray()).Trim();
        if (name is "" or "." or "..")
        {
            name = "unnamed";
        }

        return name.Length <= MaxLength ? name : name[..MaxLength];
    }
}
