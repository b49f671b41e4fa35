using QwenRag.Core.Models;
using QwenRag.Generation.Runtime;
using QwenRag.Generation.Tokenization;

namespace QwenRag.Generation.RetrievalModels;

/// <summary>
/// Qwen3-Reranker through QwenRag's own graph and runtime: each passage is put in the model's judging prompt with
/// the query and instruction, and the score is P("yes") = softmax(logit("no"), logit("yes"))[1] at the last
/// position. Only those two logits are needed, so the model runs as a hidden-state graph (no KV cache, no
/// vocabulary-wide head) and the two head rows are applied here. Prompts run in batches of similar lengths.
/// </summary>
public sealed class Qwen3Reranker : IReranker
{
    public const string SystemPrompt =
        "<|im_start|>system\nJudge whether the Document meets the requirements based on the Query and the Instruct provided. " +
        "Note that the answer can only be \"yes\" or \"no\".<|im_end|>\n<|im_start|>user\n";

    public const string AssistantPrompt = "<|im_end|>\n<|im_start|>assistant\n<think>\n\n</think>\n\n";

    private readonly QwenHiddenStateModel _model;
    private readonly QwenTokenizer _tokenizer;
    private readonly Qwen3RerankerOptions _options;
    private readonly float[] _yes;
    private readonly float[] _no;
    private readonly IReadOnlyList<int> _prefix;
    private readonly IReadOnlyList<int> _suffix;

    /// <param name="model">The hidden-state model of a Qwen3 causal LM; this reranker owns and disposes it.</param>
    /// <param name="tokenizer">The checkpoint's tokenizer.</param>
    /// <param name="modelId">The reranker's name (the checkpoint folder's).</param>
    /// <param name="yesRow">The head's row of the token "yes" (lm_head, or the tied embedding).</param>
    /// <param name="noRow">The head's row of the token "no".</param>
    /// <param name="maxPositions">The checkpoint's max_position_embeddings.</param>
    /// <param name="options">Instruction, bounds and batching.</param>
    public Qwen3Reranker(
        QwenHiddenStateModel model, QwenTokenizer tokenizer, string modelId, float[] yesRow, float[] noRow, int maxPositions, Qwen3RerankerOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(tokenizer);
        ArgumentException.ThrowIfNullOrWhiteSpace(modelId);
        ArgumentNullException.ThrowIfNull(yesRow);
        ArgumentNullException.ThrowIfNull(noRow);
        if (yesRow.Length != model.HiddenSize || noRow.Length != model.HiddenSize)
        {
            throw new ArgumentException($"The head rows must have the model's {model.HiddenSize} entries.", nameof(yesRow));
        }

        _options = options ?? new Qwen3RerankerOptions();
        _options.Validate();
        _model = model;
        _tokenizer = tokenizer;
        _yes = yesRow;
        _no = noRow;
        ModelId = modelId;
        _prefix = tokenizer.Encode(SystemPrompt);
        _suffix = tokenizer.Encode(AssistantPrompt);
        MaxInputTokens = Math.Min(_options.MaxInputTokens, Math.Min(maxPositions, model.ContextLength));
        if (MaxInputTokens <= _prefix.Count + _suffix.Count)
        {
            throw new ArgumentException($"{MaxInputTokens} tokens per prompt leave no room for the query and document.", nameof(options));
        }
    }

    public string ModelId { get; }

    /// <summary>Most tokens per prompt.</summary>
    public int MaxInputTokens { get; }

    /// <summary>The token ids scored for one passage: the judging prompt with the pair truncated to fit.</summary>
    public IReadOnlyList<int> Prompt(string query, string passage)
    {
        ArgumentNullException.ThrowIfNull(query);
        ArgumentNullException.ThrowIfNull(passage);
        var pair = $"<Instruct>: {_options.Instruction}\n<Query>: {query}\n<Document>: {passage}";
        var middle = TokenBatches.Truncated(_tokenizer, pair, MaxInputTokens - _prefix.Count - _suffix.Count);
        return [.. _prefix, .. middle, .. _suffix];
    }

    public Task<IReadOnlyList<float>> ScoreAsync(string query, IReadOnlyList<string> passages, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        ArgumentNullException.ThrowIfNull(passages);
        var prompts = passages.Select(passage => Prompt(query, passage ?? string.Empty)).ToArray();
        var scores = new float[prompts.Length];
        foreach (var batch in TokenBatches.Plan(prompts, _options.BatchTokens, _options.MaxBatchSize))
        {
            cancellationToken.ThrowIfCancellationRequested();
            var states = _model.LastHiddenStates(batch.Select(i => prompts[i]).ToArray());
            for (var j = 0; j < batch.Length; j++)
            {
                var yes = Dot(states[j], _yes);
                var no = Dot(states[j], _no);
                scores[batch[j]] = (float)(1 / (1 + Math.Exp(no - yes)));
            }
        }

        return Task.FromResult<IReadOnlyList<float>>(scores);
    }

    public void Dispose() => _model.Dispose();

    private static double Dot(float[] a, float[] b)
    {
        double sum = 0;
        for (var i = 0; i < a.Length; i++)
        {
            sum += (double)a[i] * b[i];
        }

        return sum;
    }
}
