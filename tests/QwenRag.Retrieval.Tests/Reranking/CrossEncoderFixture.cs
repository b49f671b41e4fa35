using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.Tokenizers;
using QwenRag.Retrieval.Embeddings;
using QwenRag.Retrieval.Reranking;

namespace QwenRag.Retrieval.Tests.Reranking;

/// <summary>
/// One test cross-encoder folder (see <see cref="TestCrossEncoder"/>) and its reranker, shared by the reranking tests,
/// plus an independent reference: the MiniLM body run by a session of its own, its [CLS] row dotted with the head.
/// With <c>QWENRAG_TEST_CROSS_ENCODER</c> set, the folder is written there and kept (for <c>bench retrieval --reranker</c>).
/// </summary>
public sealed class CrossEncoderFixture : IDisposable
{
    private const string KeepVariable = "QWENRAG_TEST_CROSS_ENCODER";

    private readonly InferenceSession _body;
    private readonly float[] _weights;
    private readonly float _bias;

    public CrossEncoderFixture()
    {
        var kept = Environment.GetEnvironmentVariable(KeepVariable);
        var keep = !string.IsNullOrWhiteSpace(kept);
        Root = Path.Combine(Path.GetTempPath(), "qwenrag-ce-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Root);
        Folder = keep ? Path.GetFullPath(kept!) : Path.Combine(Root, "ms-marco-test");
        (_weights, _bias) = TestCrossEncoder.Write(Folder);
        Reranker = new CrossEncoderReranker(Folder, new CrossEncoderOptions { IntraOpThreads = 1 });
        _body = new InferenceSession(MiniLmResources.ReadModel(), new SessionOptions { IntraOpNumThreads = 1 });
        Tokenizer = MiniLmResources.CreateTokenizer();
    }

    /// <summary>Where tests write folders of their own (removed afterwards).</summary>
    public string Root { get; }

    public string Folder { get; }

    public CrossEncoderReranker Reranker { get; }

    public BertTokenizer Tokenizer { get; }

    /// <summary>The pair as BERT reads it, built by the tokenizer's own pair methods.</summary>
    public (int[] Ids, int[] Types) ReferencePair(string query, string passage)
    {
        var q = Tokenizer.EncodeToIds(query, addSpecialTokens: false);
        var p = Tokenizer.EncodeToIds(passage, addSpecialTokens: false);
        return (Tokenizer.BuildInputsWithSpecialTokens(q, p).ToArray(), Tokenizer.CreateTokenTypeIdsFromSequences(q, p).ToArray());
    }

    /// <summary>The score of one pair, alone in its batch: [CLS] row of the body's output · head + bias.</summary>
    public float ReferenceScore(int[] ids, int[] types)
    {
        long[] shape = [1, ids.Length];
        using var idsValue = OrtValue.CreateTensorValueFromMemory(ids.Select(i => (long)i).ToArray(), shape);
        using var maskValue = OrtValue.CreateTensorValueFromMemory(Enumerable.Repeat(1L, ids.Length).ToArray(), shape);
        using var typesValue = OrtValue.CreateTensorValueFromMemory(types.Select(i => (long)i).ToArray(), shape);
        var output = _body.OutputMetadata.Single(o => o.Value.Dimensions.Length == 3).Key;
        using var runOptions = new RunOptions();
        using var results = _body.Run(runOptions, ["input_ids", "attention_mask", "token_type_ids"], [idsValue, maskValue, typesValue], [output]);
        var cls = results[0].GetTensorDataAsSpan<float>()[..TestCrossEncoder.Hidden];
        var score = (double)_bias;
        for (var d = 0; d < cls.Length; d++)
        {
            score += cls[d] * (double)_weights[d];
        }

        return (float)score;
    }

    public void Dispose()
    {
        Reranker.Dispose();
        _body.Dispose();
        Directory.Delete(Root, recursive: true);
    }
}
