using System.Text;
using Microsoft.ML.Tokenizers;

namespace QwenRag.Generation.Tokenization;

/// <summary>Unicode NFC normalisation, the normaliser Qwen's tokenizer.json names; Microsoft.ML.Tokenizers has none built in.</summary>
public sealed class NfcNormalizer : Normalizer
{
    /// <summary>A shared instance; the normaliser has no state.</summary>
    public static NfcNormalizer Instance { get; } = new();

    /// <inheritdoc />
    public override string Normalize(string original)
    {
        ArgumentNullException.ThrowIfNull(original);
        return original.IsNormalized(NormalizationForm.FormC) ? original : original.Normalize(NormalizationForm.FormC);
    }

    /// <inheritdoc />
    public override string Normalize(ReadOnlySpan<char> original) => Normalize(original.ToString());
}
