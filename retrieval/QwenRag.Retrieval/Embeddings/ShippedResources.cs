using System.Reflection;
using Microsoft.ML.Tokenizers;

namespace QwenRag.Retrieval.Embeddings;

/// <summary>Model and vocabulary resources of a SentenceTransformers.* assembly, loaded by name (none of its types run).</summary>
internal static class ShippedResources
{
    public static byte[] ReadModel(string assembly)
    {
        using var stream = Open(assembly, "model.onnx");
        var bytes = new byte[stream.Length];
        stream.ReadExactly(bytes);
        return bytes;
    }

    /// <summary>The uncased WordPiece tokenizer of the package (lower-cased, accents stripped, as Hugging Face's).</summary>
    public static BertTokenizer CreateTokenizer(string assembly)
    {
        using var stream = Open(assembly, "vocab.txt");
        return WordPieceTokenizers.Create(stream, lowerCase: true);
    }

    internal static Stream Open(string assembly, string file)
    {
        var name = $"{assembly}.Resources.{file}";
        return Assembly.Load(assembly).GetManifestResourceStream(name)
            ?? throw new InvalidOperationException($"Resource '{name}' is missing from {assembly}.");
    }
}
