using System.ComponentModel.DataAnnotations;

namespace QwenRag.Api;

/// <summary>Limits of the REST API (section <c>QwenRag:Api</c>).</summary>
public sealed class ApiOptions
{
    public const string SectionName = "QwenRag:Api";

    /// <summary>Largest accepted upload, per file; larger ones get 413.</summary>
    [Range(1, long.MaxValue)]
    public long MaxUploadBytes { get; set; } = 100L * 1024 * 1024;
}
