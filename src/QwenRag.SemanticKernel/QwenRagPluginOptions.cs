using QwenRag.Core;

namespace QwenRag.SemanticKernel;

/// <summary>How the QwenRag plugin reaches QwenRag and what it lets the model do.</summary>
public sealed class QwenRagPluginOptions
{
    /// <summary>The name the model sees the functions under (<c>qwenrag-ask</c>, …).</summary>
    public string PluginName { get; set; } = "qwenrag";

    public QwenRagBackendKind Backend { get; set; } = QwenRagBackendKind.InProcess;

    /// <summary>
    /// In process: the data directory, when the container has no QwenRag services of its own yet (they are then added
    /// with <c>AddQwenRag</c>); null uses those already registered.
    /// </summary>
    public string? DataDirectory { get; set; }

    /// <summary>Remote: the server's base address, e.g. <c>http://127.0.0.1:5080</c>.</summary>
    public Uri? ServerUrl { get; set; }

    /// <summary>Remote: the API key, sent as <c>X-Api-Key</c>; null for a server without keys.</summary>
    public string? ApiKey { get; set; }

    /// <summary>Remote: how long one request may take (an answer from a language model takes seconds).</summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>The set a function uses when the model names none; null makes the set required in practice.</summary>
    public string? DefaultSet { get; set; }

    /// <summary>Registers <c>upload</c> and <c>delete_document</c> too. Off by default: they change what every reader sees.</summary>
    public bool IncludeAdminFunctions { get; set; }

    /// <summary>
    /// The folders <c>upload</c> may read files from (the file and, through links, its target must lie inside one).
    /// Empty, the default, refuses every upload: the model chooses the path, so it must not be able to publish any file
    /// the process can read.
    /// </summary>
    public IList<string> UploadFolders { get; } = [];

    /// <summary>How long <c>upload</c> waits for the server's ingestion job to finish.</summary>
    public TimeSpan UploadTimeout { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>Characters of a question or query; the REST API's own default limit (<c>QwenRag:Api:MaxQueryLength</c>).</summary>
    public int MaxQueryLength { get; set; } = 4000;

    /// <exception cref="ArgumentException">An option is out of range or missing for the chosen backend.</exception>
    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(PluginName) || !PluginName.All(c => char.IsAsciiLetterOrDigit(c) || c == '_'))
        {
            throw new ArgumentException($"The plugin name '{PluginName}' must be ASCII letters, digits or '_'.", nameof(PluginName));
        }

        if (DefaultSet is not null && !SetName.IsValid(DefaultSet))
        {
            throw new ArgumentException($"The default set '{DefaultSet}' is not a set name: {SetName.Rule}.", nameof(DefaultSet));
        }

        if (Backend == QwenRagBackendKind.Remote && ServerUrl is not { IsAbsoluteUri: true })
        {
            throw new ArgumentException("The remote backend needs ServerUrl, the server's absolute base address.", nameof(ServerUrl));
        }

        if (MaxQueryLength < 1)
        {
            throw new ArgumentException($"MaxQueryLength must be 1 or more (was {MaxQueryLength}).", nameof(MaxQueryLength));
        }

        if (RequestTimeout <= TimeSpan.Zero || UploadTimeout <= TimeSpan.Zero)
        {
            throw new ArgumentException("RequestTimeout and UploadTimeout must be positive.", nameof(RequestTimeout));
        }
    }
}
