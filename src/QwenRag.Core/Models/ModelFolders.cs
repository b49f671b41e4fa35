namespace QwenRag.Core.Models;

/// <summary>How a model given as a folder is named.</summary>
public static class ModelFolders
{
    /// <summary>
    /// The model id of a folder: its own name (Hugging Face repositories and exports are named after the model), so a
    /// folder moved or mounted elsewhere keeps its id. Empty for a file-system root.
    /// </summary>
    public static string IdOf(string folder) =>
        Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(folder)));
}
