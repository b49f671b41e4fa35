using System.ComponentModel.DataAnnotations;

namespace QwenRag.Api;

/// <summary>
/// Limits of the REST API (section <c>QwenRag:Api</c>). Every piece of a request is bounded, so no request can make
/// the service do unbounded work or store unbounded data; an answer over a limit names the setting that sets it.
/// </summary>
public sealed class ApiOptions
{
    public const string SectionName = "QwenRag:Api";

    /// <summary>Largest accepted upload, per file; larger ones get 413.</summary>
    [Range(1, long.MaxValue)]
    public long MaxUploadBytes { get; set; } = 100L * 1024 * 1024;

    /// <summary>Files (<c>file</c> parts) in one upload request.</summary>
    [Range(1, 10_000)]
    public int MaxFilesPerUpload { get; set; } = 20;

    /// <summary>Multipart parts of any kind in one upload request (files, tags, anything else).</summary>
    [Range(1, 10_000)]
    public int MaxUploadParts { get; set; } = 64;

    /// <summary>Bytes of one non-file multipart field (e.g. <c>tags</c>).</summary>
    [Range(1, 16 * 1024 * 1024)]
    public int MaxFormFieldBytes { get; set; } = 16 * 1024;

    /// <summary>Tags one upload gives its documents.</summary>
    [Range(1, 10_000)]
    public int MaxTags { get; set; } = 32;

    /// <summary>Characters of one tag.</summary>
    [Range(1, 10_000)]
    public int MaxTagLength { get; set; } = 100;

    /// <summary>Document ids in a search filter.</summary>
    [Range(1, 10_000)]
    public int MaxFilterDocuments { get; set; } = 100;

    /// <summary>Tags in a search filter.</summary>
    [Range(1, 10_000)]
    public int MaxFilterTags { get; set; } = 32;

    /// <summary>Bytes of a JSON request body (search, ask).</summary>
    [Range(1, 64 * 1024 * 1024)]
    public int MaxJsonBodyBytes { get; set; } = 64 * 1024;

    /// <summary>Characters of a search query or a question.</summary>
    [Range(1, 1_000_000)]
    public int MaxQueryLength { get; set; } = 4000;

    /// <summary>Serve <c>/openapi/v1.json</c> and <c>/scalar</c> without a key even when keys are configured.</summary>
    public bool PublicDocs { get; set; }

    /// <summary>The configuration key of one of these settings, as problem details name it.</summary>
    public static string Key(string setting) => $"{SectionName}:{setting}";
}
