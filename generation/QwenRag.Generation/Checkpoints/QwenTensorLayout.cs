namespace QwenRag.Generation.Checkpoints;

/// <summary>The tensors (names and shapes) a Qwen checkpoint holds for a given config, in checkpoint order.</summary>
public static class QwenTensorLayout
{
    /// <param name="config">The checkpoint's config.</param>
    /// <param name="languageModelHead">False for a base model (embeddings): no lm_head.weight.</param>
    /// <param name="fusedExperts">MoE experts saved as two stacked tensors per layer (newer transformers), not three per expert.</param>
    public static IReadOnlyList<ExpectedTensor> For(QwenConfig config, bool languageModelHead = true, bool fusedExperts = false)
    {
        long hidden = config.HiddenSize;
        long qSize = (long)config.NumHeads * config.HeadDim;
        long kvSize = (long)config.NumKvHeads * config.HeadDim;
        long intermediate = config.IntermediateSize;
        var tensors = new List<ExpectedTensor>
        {
            new(QwenTensorNames.EmbedTokens, [config.VocabSize, hidden], TensorRole.Weight),
        };

        for (var i = 0; i < config.NumLayers; i++)
        {
            tensors.Add(new(QwenTensorNames.InputNorm(i), [hidden], TensorRole.NormScale));
            AddProjection(tensors, config, i, "q_proj", qSize, hidden);
            AddProjection(tensors, config, i, "k_proj", kvSize, hidden);
            AddProjection(tensors, config, i, "v_proj", kvSize, hidden);
            tensors.Add(new(QwenTensorNames.Attention(i, "o_proj"), [hidden, qSize], TensorRole.Weight));

            // Qwen3 biases all four projections under attention_bias; Qwen2 never biases o_proj.
            if (config.Architecture == QwenArchitecture.Qwen3 && config.AttentionBias)
            {
                tensors.Add(new(QwenTensorNames.Attention(i, "o_proj", "bias"), [hidden], TensorRole.Bias));
            }

            if (config.Architecture == QwenArchitecture.Qwen3)
            {
                tensors.Add(new(QwenTensorNames.HeadNorm(i, "q_norm"), [config.HeadDim], TensorRole.NormScale));
                tensors.Add(new(QwenTensorNames.HeadNorm(i, "k_norm"), [config.HeadDim], TensorRole.NormScale));
            }

            tensors.Add(new(QwenTensorNames.PostAttentionNorm(i), [hidden], TensorRole.NormScale));
            if (config.Moe is { } moe && moe.IsSparse(i))
            {
                AddExperts(tensors, moe, i, hidden, fusedExperts);
            }
            else
            {
                tensors.Add(new(QwenTensorNames.Mlp(i, "gate_proj"), [intermediate, hidden], TensorRole.Weight));
                tensors.Add(new(QwenTensorNames.Mlp(i, "up_proj"), [intermediate, hidden], TensorRole.Weight));
                tensors.Add(new(QwenTensorNames.Mlp(i, "down_proj"), [hidden, intermediate], TensorRole.Weight));
            }
        }

        tensors.Add(new(QwenTensorNames.FinalNorm, [hidden], TensorRole.NormScale));
        if (languageModelHead)
        {
            tensors.Add(new(QwenTensorNames.LmHead, [config.VocabSize, hidden], TensorRole.Weight, Optional: config.TieWordEmbeddings));
        }

        return tensors;
    }

    private static void AddExperts(List<ExpectedTensor> tensors, QwenMoeConfig moe, int layer, long hidden, bool fused)
    {
        long width = moe.MoeIntermediateSize;
        tensors.Add(new(QwenTensorNames.Router(layer), [moe.NumExperts, hidden], TensorRole.Weight));
        if (fused)
        {
            tensors.Add(new(QwenTensorNames.FusedExperts(layer, "gate_up_proj"), [moe.NumExperts, 2 * width, hidden], TensorRole.Weight));
            tensors.Add(new(QwenTensorNames.FusedExperts(layer, "down_proj"), [moe.NumExperts, hidden, width], TensorRole.Weight));
        }
        else
        {
            for (var e = 0; e < moe.NumExperts; e++)
            {
                tensors.Add(new(QwenTensorNames.Expert(layer, e, "gate_proj"), [width, hidden], TensorRole.Weight));
                tensors.Add(new(QwenTensorNames.Expert(layer, e, "up_proj"), [width, hidden], TensorRole.Weight));
                tensors.Add(new(QwenTensorNames.Expert(layer, e, "down_proj"), [hidden, width], TensorRole.Weight));
            }
        }

        if (moe.HasSharedExpert)
        {
            long shared = moe.SharedExpertIntermediateSize;
            tensors.Add(new(QwenTensorNames.SharedExpert(layer, "gate_proj"), [shared, hidden], TensorRole.Weight));
            tensors.Add(new(QwenTensorNames.SharedExpert(layer, "up_proj"), [shared, hidden], TensorRole.Weight));
            tensors.Add(new(QwenTensorNames.SharedExpert(layer, "down_proj"), [hidden, shared], TensorRole.Weight));
            tensors.Add(new(QwenTensorNames.SharedExpertGate(layer), [1, hidden], TensorRole.Weight));
        }
    }

    private static void AddProjection(List<ExpectedTensor> tensors, QwenConfig config, int layer, string projection, long outputs, long hidden)
    {
        tensors.Add(new(QwenTensorNames.Attention(layer, projection), [outputs, hidden], TensorRole.Weight));
        if (config.AttentionBias)
        {
            tensors.Add(new(QwenTensorNames.Attention(layer, projection, "bias"), [outputs], TensorRole.Bias));
        }
    }
}
