using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.ML.Tokenizers;

namespace QwenRag.Generation.Tokenization;

/// <summary>
/// Qwen's byte-level BPE tokenizer, read from a model folder's Hugging Face <c>tokenizer.json</c>: the vocabulary and
/// merges, the pre-tokenizer's split regex, NFC normalisation, and the added tokens (<c>&lt;|im_start|&gt;</c> and the
/// like), which are matched whole wherever they appear in the text. Encoding runs on Microsoft.ML.Tokenizers; decoding
/// maps ids back to bytes itself so that special tokens can be skipped and a stream can hold back partial characters.
/// </summary>
public sealed class QwenTokenizer
{
    /// <summary>The split regex of Qwen2/Qwen2.5/Qwen3, used when tokenizer.json names none.</summary>
    public const string DefaultPattern =
        @"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+";

    private const string FileName = "tokenizer.json";

    private readonly BpeTokenizer _bpe;
    private readonly Dictionary<string, int> _vocab;
    private readonly Dictionary<string, int> _addedTokens;
    private readonly HashSet<int> _specialIds;
    private readonly byte[]?[] _bytesById;

    private QwenTokenizer(
        BpeTokenizer bpe, Dictionary<string, int> vocab, Dictionary<string, int> addedTokens, HashSet<int> specialIds, byte[]?[] bytesById)
    {
        _bpe = bpe;
        _vocab = vocab;
        _addedTokens = addedTokens;
        _specialIds = specialIds;
        _bytesById = bytesById;
    }

    /// <summary>Number of ids, the BPE vocabulary and the added tokens together (151,669 for Qwen3).</summary>
    public int Count => _vocab.Count + _addedTokens.Count;

    /// <summary>The added tokens (special or not) by their text.</summary>
    public IReadOnlyDictionary<string, int> AddedTokens => _addedTokens;

    /// <summary>Whether a tokenizer.json sits in <paramref name="directory"/>.</summary>
    public static bool Exists(string directory) => File.Exists(Path.Combine(directory, FileName));

    /// <summary>Reads <c>tokenizer.json</c> from a model or checkpoint folder.</summary>
    /// <exception cref="FileNotFoundException">The folder has no tokenizer.json.</exception>
    /// <exception cref="InvalidDataException">The file is not a byte-level BPE tokenizer.json.</exception>
    public static QwenTokenizer Load(string directory)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        var path = Path.Combine(directory, FileName);
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"No {FileName} in '{directory}'.", path);
        }

        try
        {
            using var stream = File.OpenRead(path);
            using var document = JsonDocument.Parse(stream);
            return FromJson(document.RootElement, path);
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException or KeyNotFoundException or FormatException)
        {
            throw new InvalidDataException($"{path}: not a byte-level BPE tokenizer.json ({ex.Message}).", ex);
        }
    }

    /// <summary>The ids of <paramref name="text"/>. Added tokens in the text map to their own ids.</summary>
    /// <param name="text">Text to encode; it is NFC-normalised first.</param>
    /// <param name="addSpecialTokens">Qwen's tokenizer adds no BOS or EOS token, so this changes nothing; it is here
    /// for parity with Hugging Face's <c>add_special_tokens</c>.</param>
    public IReadOnlyList<int> Encode(string text, bool addSpecialTokens = false)
    {
        ArgumentNullException.ThrowIfNull(text);
        _ = addSpecialTokens;
        return text.Length == 0 ? [] : _bpe.EncodeToIds(text, considerPreTokenization: true, considerNormalization: true);
    }

    /// <summary>The text of <paramref name="ids"/>; bytes that do not form valid UTF-8 come out as U+FFFD.</summary>
    /// <param name="ids">Token ids.</param>
    /// <param name="skipSpecialTokens">Leave out the tokens tokenizer.json marks special (e.g. <c>&lt;|im_end|&gt;</c>).</param>
    /// <exception cref="ArgumentOutOfRangeException">An id is not in the vocabulary.</exception>
    public string Decode(IEnumerable<int> ids, bool skipSpecialTokens = false)
    {
        ArgumentNullException.ThrowIfNull(ids);
        var bytes = new List<byte>();
        foreach (var id in ids)
        {
            bytes.AddRange(TokenBytes(id, skipSpecialTokens));
        }

        return Encoding.UTF8.GetString(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(bytes));
    }

    /// <summary>The id of one token, given as its text (an added token such as <c>&lt;|im_end|&gt;</c> or a vocabulary entry
    /// in byte-level form), or null when there is none.</summary>
    public int? TokenId(string token)
    {
        ArgumentNullException.ThrowIfNull(token);
        if (_addedTokens.TryGetValue(token, out var id) || _vocab.TryGetValue(token, out id))
        {
            return id;
        }

        return null;
    }

    /// <summary>Whether <paramref name="id"/> is an added token marked special.</summary>
    public bool IsSpecial(int id) => _specialIds.Contains(id);

    /// <summary>A decoder for generated ids that returns only whole characters.</summary>
    public StreamingDecoder CreateStreamingDecoder(bool skipSpecialTokens = false) => new(this, skipSpecialTokens);

    internal ReadOnlySpan<byte> TokenBytes(int id, bool skipSpecialTokens)
    {
        if ((uint)id >= (uint)_bytesById.Length || _bytesById[id] is not { } bytes)
        {
            throw new ArgumentOutOfRangeException(nameof(id), id, "Not a token id of this tokenizer.");
        }

        return skipSpecialTokens && _specialIds.Contains(id) ? [] : bytes;
    }

    private static QwenTokenizer FromJson(JsonElement root, string path)
    {
        var model = root.GetProperty("model");
        if (model.TryGetProperty("type", out var type) && type.GetString() != "BPE")
        {
            throw new InvalidDataException($"{path}: model type '{type.GetString()}' is not BPE.");
        }

        var vocab = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var entry in model.GetProperty("vocab").EnumerateObject())
        {
            vocab[entry.Name] = entry.Value.GetInt32();
        }

        var merges = new List<string>();
        foreach (var merge in model.GetProperty("merges").EnumerateArray())
        {
            merges.Add(merge.ValueKind == JsonValueKind.Array
                ? $"{merge[0].GetString()} {merge[1].GetString()}"
                : merge.GetString() ?? throw new InvalidDataException($"{path}: a merge is null."));
        }

        var added = new Dictionary<string, int>(StringComparer.Ordinal);
        var special = new HashSet<int>();
        if (root.TryGetProperty("added_tokens", out var addedTokens) && addedTokens.ValueKind == JsonValueKind.Array)
        {
            foreach (var token in addedTokens.EnumerateArray())
            {
                var content = token.GetProperty("content").GetString() ?? throw new InvalidDataException($"{path}: an added token has no content.");
                var id = token.GetProperty("id").GetInt32();
                added[content] = id;
                if (token.TryGetProperty("special", out var isSpecial) && isSpecial.ValueKind == JsonValueKind.True)
                {
                    special.Add(id);
                }
            }
        }

        var maxId = Math.Max(vocab.Count == 0 ? -1 : vocab.Values.Max(), added.Count == 0 ? -1 : added.Values.Max());
        var bytesById = new byte[]?[maxId + 1];
        foreach (var (token, id) in vocab)
        {
            bytesById[id] = ByteLevelAlphabet.ToBytes(token)
                ?? throw new InvalidDataException($"{path}: vocabulary entry {id} is not in byte-level form.");
        }

        foreach (var (content, id) in added)
        {
            bytesById[id] = Encoding.UTF8.GetBytes(content);
        }

        var pattern = FindSplitPattern(root.TryGetProperty("pre_tokenizer", out var pre) ? pre : default) ?? DefaultPattern;
        var regex = new Regex(pattern, RegexOptions.Compiled | RegexOptions.CultureInvariant);
        var bpe = BpeTokenizer.Create(new BpeOptions(vocab)
        {
            Merges = merges,
            ByteLevel = true,
            PreTokenizer = new RegexPreTokenizer(regex, added.Count == 0 ? null : added),
            Normalizer = NfcNormalizer.Instance,
            SpecialTokens = added.Count == 0 ? null : added,
        });
        return new QwenTokenizer(bpe, vocab, added, special, bytesById);
    }

    private static string? FindSplitPattern(JsonElement preTokenizer)
    {
        if (preTokenizer.ValueKind != JsonValueKind.Object)
        {
            return null;
        }

        if (preTokenizer.TryGetProperty("pretokenizers", out var children) && children.ValueKind == JsonValueKind.Array)
        {
            foreach (var child in children.EnumerateArray())
            {
                if (FindSplitPattern(child) is { } found)
                {
                    return found;
                }
            }

            return null;
        }

        return preTokenizer.TryGetProperty("type", out var type) && type.GetString() == "Split"
            && preTokenizer.TryGetProperty("pattern", out var pattern) && pattern.ValueKind == JsonValueKind.Object
            && pattern.TryGetProperty("Regex", out var regex)
                ? regex.GetString()
                : null;
    }
}
