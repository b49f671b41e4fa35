using System.Text;
using System.Text.Json;
using Microsoft.ML.Tokenizers;

namespace QwenRag.Retrieval.Embeddings;

/// <summary>
/// BERT-family WordPiece tokenizers read from a model folder: <c>vocab.txt</c> (one piece per line, the id is the line
/// number), or a Hugging Face <c>tokenizer.json</c> whose model is WordPiece. Shared by sentence-embedding models and
/// cross-encoders.
/// </summary>
public static class WordPieceTokenizers
{
    /// <summary>Largest vocabulary file read (a BERT vocabulary is about 0.25 MB; multilingual ones a few MB).</summary>
    public const long MaxVocabularyBytes = 64L * 1024 * 1024;

    /// <summary>
    /// The tokenizer in <paramref name="folder"/>. <paramref name="lowerCase"/> overrides what the files say (uncased
    /// models lower-case and strip accents, as Hugging Face's uncased BERT tokenizer does whenever it lower-cases);
    /// null takes <c>tokenizer.json</c>'s normaliser, or lower-cases for a bare <c>vocab.txt</c>.
    /// </summary>
    /// <exception cref="ArgumentException">Neither file is there, or the file is not a WordPiece vocabulary.</exception>
    public static BertTokenizer FromFolder(string folder, bool? lowerCase = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(folder);
        var vocabulary = Path.Combine(folder, "vocab.txt");
        if (File.Exists(vocabulary))
        {
            CheckSize(vocabulary);
            using var stream = File.OpenRead(vocabulary);
            return Create(stream, lowerCase ?? true);
        }

        var json = Path.Combine(folder, "tokenizer.json");
        if (File.Exists(json))
        {
            CheckSize(json);
            var (pieces, lower) = ReadTokenizerJson(json);
            using var stream = new MemoryStream(Encoding.UTF8.GetBytes(string.Join('\n', pieces)));
            return Create(stream, lowerCase ?? lower);
        }

        throw new ArgumentException($"'{folder}' has neither vocab.txt nor tokenizer.json.", nameof(folder));
    }

    /// <summary>A tokenizer over a <c>vocab.txt</c> stream.</summary>
    public static BertTokenizer Create(Stream vocabulary, bool lowerCase) =>
        BertTokenizer.Create(vocabulary, new BertOptions { LowerCaseBeforeTokenization = lowerCase, RemoveNonSpacingMarks = lowerCase });

    private static void CheckSize(string path)
    {
        if (new FileInfo(path).Length > MaxVocabularyBytes)
        {
            throw new ArgumentException($"'{path}' is larger than {MaxVocabularyBytes / (1024 * 1024)} MiB; not a WordPiece vocabulary.");
        }
    }

    private static (string[] Pieces, bool LowerCase) ReadTokenizerJson(string path)
    {
        try
        {
            using var document = JsonDocument.Parse(File.ReadAllBytes(path), new JsonDocumentOptions { MaxDepth = 64 });
            var root = document.RootElement;
            if (!root.TryGetProperty("model", out var model)
                || !model.TryGetProperty("type", out var type) || type.GetString() != "WordPiece"
                || !model.TryGetProperty("vocab", out var vocab) || vocab.ValueKind != JsonValueKind.Object)
            {
                throw new ArgumentException($"'{path}' is not a WordPiece tokenizer (model.type must be \"WordPiece\" with a vocab).");
            }

            var entries = new List<(string Piece, int Id)>();
            foreach (var entry in vocab.EnumerateObject())
            {
                if (!entry.Value.TryGetInt32(out var id) || id < 0)
                {
                    throw new ArgumentException($"'{path}': vocabulary id of '{entry.Name}' is not a non-negative integer.");
                }

                if (entry.Name.Contains('\n', StringComparison.Ordinal))
                {
                    throw new ArgumentException($"'{path}': a vocabulary piece contains a line break.");
                }

                entries.Add((entry.Name, id));
            }

            entries.Sort((a, b) => a.Id.CompareTo(b.Id));
            for (var i = 0; i < entries.Count; i++)
            {
                if (entries[i].Id != i)
                {
                    throw new ArgumentException($"'{path}': vocabulary ids are not 0..{entries.Count - 1} without gaps.");
                }
            }

            var lower = root.TryGetProperty("normalizer", out var normalizer)
                && normalizer.ValueKind == JsonValueKind.Object
                && normalizer.TryGetProperty("lowercase", out var lowercase)
                && lowercase.ValueKind == JsonValueKind.True;
            return (entries.Select(e => e.Piece).ToArray(), lower);
        }
        catch (JsonException ex)
        {
            throw new ArgumentException($"'{path}' is not valid JSON: {ex.Message}", ex);
        }
    }
}
