using QwenRag.Generation.Checkpoints;

namespace QwenRag.Generation.Tests.Reference;

/// <summary>
/// A plainly written forward pass of Hugging Face's Qwen2 / Qwen3 causal LM (loops over float arrays), to check the
/// ONNX graph against. It shares nothing with the library but the checkpoint reader and <see cref="QwenConfig"/>;
/// RoPE is computed here by its own small implementation of transformers' formulas.
/// </summary>
/// <remarks>
/// Follows modeling_qwen2.py / modeling_qwen3.py: embed → per layer [RMSNorm → q, k, v (+bias) → (Qwen3: per-head
/// RMSNorm of q and k) → RoPE (rotate_half) → causal GQA attention, scale 1/√head_dim, sliding window on sliding
/// layers (key visible when q − k &lt; sliding_window) → o_proj (+bias) → residual; RMSNorm → down(silu(gate)·up) →
/// residual; or, on a MoE model's sparse layers, the routed experts of <see cref="SparseMlp"/>] → final RMSNorm → lm_head (or the tied embedding). Positions are 0..n−1; dynamic NTK uses the current
/// length n as transformers does when n exceeds max_position_embeddings. Sums are accumulated in double and every
/// stored activation is rounded to float32, as a float32 model's would be.
/// </remarks>
public static class QwenReference
{
    /// <summary>Logits per position: result[t] has vocab_size entries, for the token after tokens[0..t].</summary>
    public static float[][] Logits(SafetensorsCheckpoint checkpoint, IReadOnlyList<int> tokens)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        return Logits(checkpoint.Config, name => checkpoint.Contains(name) ? checkpoint.ReadFloat32(name) : null, tokens);
    }

    /// <summary>The logits of the last position only (the head is applied to that position alone).</summary>
    public static float[] LastLogits(SafetensorsCheckpoint checkpoint, IReadOnlyList<int> tokens)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        float[]? Tensor(string name) => checkpoint.Contains(name) ? checkpoint.ReadFloat32(name) : null;
        var hidden = HiddenStates(checkpoint.Config, Tensor, tokens);
        return Head(checkpoint.Config, Tensor, [hidden[^1]])[0];
    }

    /// <summary>The final-norm hidden state per position (what an embedding model pools), from the checkpoint.</summary>
    public static float[][] HiddenStates(SafetensorsCheckpoint checkpoint, IReadOnlyList<int> tokens)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        return HiddenStates(checkpoint.Config, name => checkpoint.Contains(name) ? checkpoint.ReadFloat32(name) : null, tokens);
    }

    /// <summary>
    /// The same forward pass with weights from <paramref name="tensor"/> (HF names; null when absent), so tests can
    /// rearrange weights in memory.
    /// </summary>
    public static float[][] Logits(QwenConfig config, Func<string, float[]?> tensor, IReadOnlyList<int> tokens)
        => Head(config, tensor, HiddenStates(config, tensor, tokens));

    /// <summary>lm_head (or the tied embedding) over final-norm hidden states.</summary>
    private static float[][] Head(QwenConfig config, Func<string, float[]?> tensor, float[][] hidden)
    {
        float[] embedding = tensor("model.embed_tokens.weight") ?? throw new InvalidDataException("Tensor model.embed_tokens.weight is missing.");
        float[] head = config.TieWordEmbeddings ? embedding : tensor("lm_head.weight") ?? embedding;
        return hidden.Select(h => Linear(head, null, h, config.VocabSize)).ToArray();
    }

    /// <summary>The final-norm hidden state per position, with weights from <paramref name="tensor"/>.</summary>
    public static float[][] HiddenStates(QwenConfig config, Func<string, float[]?> tensor, IReadOnlyList<int> tokens)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(tensor);
        ArgumentNullException.ThrowIfNull(tokens);
        if (tokens.Count == 0)
        {
            throw new ArgumentException("At least one token is needed.", nameof(tokens));
        }

        float[] Require(string name) => tensor(name) ?? throw new InvalidDataException($"Tensor {name} is missing.");

        int n = tokens.Count;
        int hidden = config.HiddenSize;
        float[] embedding = Require("model.embed_tokens.weight");

        var x = new float[n][];
        for (int t = 0; t < n; t++)
        {
            int token = tokens[t];
            if (token < 0 || token >= config.VocabSize)
            {
                throw new ArgumentOutOfRangeException(nameof(tokens), $"Token {token} is outside the vocabulary.");
            }

            x[t] = embedding.AsSpan(token * hidden, hidden).ToArray();
        }

        var (cos, sin) = RotaryTables(config, n);

        for (int layer = 0; layer < config.NumLayers; layer++)
        {
            string prefix = $"model.layers.{layer}.";
            float[] inputNorm = Require(prefix + "input_layernorm.weight");
            var normed = new float[n][];
            for (int t = 0; t < n; t++)
            {
                normed[t] = RmsNorm(x[t], inputNorm, config.RmsNormEps);
            }

            float[][] attention = Attention(config, layer, tensor, normed, cos, sin);
            for (int t = 0; t < n; t++)
            {
                x[t] = Add(x[t], attention[t]);
            }

            float[] postNorm = Require(prefix + "post_attention_layernorm.weight");
            if (config.Moe is { } moe && moe.IsSparse(layer))
            {
                var experts = Experts(config, moe, layer, tensor);
                for (int t = 0; t < n; t++)
                {
                    x[t] = Add(x[t], SparseMlp(config, moe, layer, tensor, experts, RmsNorm(x[t], postNorm, config.RmsNormEps)));
                }

                continue;
            }

            float[] gate = Require(prefix + "mlp.gate_proj.weight");
            float[] up = Require(prefix + "mlp.up_proj.weight");
            float[] down = Require(prefix + "mlp.down_proj.weight");
            for (int t = 0; t < n; t++)
            {
                float[] h = RmsNorm(x[t], postNorm, config.RmsNormEps);
                x[t] = Add(x[t], Mlp(gate, up, down, h, config.IntermediateSize));
            }
        }

        float[] finalNorm = Require("model.norm.weight");
        var states = new float[n][];
        for (int t = 0; t < n; t++)
        {
            states[t] = RmsNorm(x[t], finalNorm, config.RmsNormEps);
        }

        return states;
    }

    /// <summary>down(silu(gate·h) · up·h).</summary>
    private static float[] Mlp(float[] gate, float[] up, float[] down, float[] h, int width)
    {
        float[] g = Linear(gate, null, h, width);
        float[] u = Linear(up, null, h, width);
        var product = new float[width];
        for (int i = 0; i < product.Length; i++)
        {
            product[i] = Silu(g[i]) * u[i];
        }

        return Linear(down, null, product, h.Length);
    }

    /// <summary>(gate, up, down) weights per expert, from per-expert tensors or the fused gate_up_proj / down_proj.</summary>
    private static (float[] Gate, float[] Up, float[] Down)[] Experts(QwenConfig config, QwenMoeConfig moe, int layer, Func<string, float[]?> tensor)
    {
        string prefix = $"model.layers.{layer}.mlp.experts.";
        int width = moe.MoeIntermediateSize;
        int hidden = config.HiddenSize;
        var experts = new (float[], float[], float[])[moe.NumExperts];
        float[]? gateUp = tensor(prefix + "gate_up_proj");
        float[]? fusedDown = tensor(prefix + "down_proj");
        for (int e = 0; e < moe.NumExperts; e++)
        {
            if (gateUp is not null && fusedDown is not null)
            {
                // gate_up_proj[e] is [2·width, hidden]: gate rows first, then up rows (chunk(2) of the output).
                int block = 2 * width * hidden;
                experts[e] = (
                    gateUp.AsSpan(e * block, width * hidden).ToArray(),
                    gateUp.AsSpan(e * block + width * hidden, width * hidden).ToArray(),
                    fusedDown.AsSpan(e * hidden * width, hidden * width).ToArray());
            }
            else
            {
                float[] Require(string name) => tensor(prefix + name) ?? throw new InvalidDataException($"Tensor {prefix}{name} is missing.");
                experts[e] = (Require($"{e}.gate_proj.weight"), Require($"{e}.up_proj.weight"), Require($"{e}.down_proj.weight"));
            }
        }

        return experts;
    }

    /// <summary>
    /// Qwen2MoeSparseMoeBlock / Qwen3MoeSparseMoeBlock: router logits, softmax over all experts in float32, the top k
    /// (ties to the lower index), renormalised when norm_topk_prob; Σ weight·expert(h); plus Qwen2-MoE's shared expert
    /// scaled by sigmoid(shared_expert_gate·h).
    /// </summary>
    private static float[] SparseMlp(
        QwenConfig config, QwenMoeConfig moe, int layer, Func<string, float[]?> tensor, (float[] Gate, float[] Up, float[] Down)[] experts, float[] h)
    {
        string prefix = $"model.layers.{layer}.mlp.";
        float[] Require(string name) => tensor(prefix + name) ?? throw new InvalidDataException($"Tensor {prefix}{name} is missing.");
        float[] logits = Linear(Require("gate.weight"), null, h, moe.NumExperts);
        double max = logits.Max();
        double[] exp = logits.Select(l => Math.Exp(l - max)).ToArray();
        double total = exp.Sum();
        float[] probabilities = exp.Select(v => (float)(v / total)).ToArray();
        int[] top = Enumerable.Range(0, moe.NumExperts).OrderByDescending(e => probabilities[e]).ThenBy(e => e).Take(moe.TopK).ToArray();
        double topSum = top.Sum(e => (double)probabilities[e]);

        var output = new double[h.Length];
        foreach (int e in top)
        {
            float weight = moe.NormTopKProb ? (float)(probabilities[e] / topSum) : probabilities[e];
            float[] y = Mlp(experts[e].Gate, experts[e].Up, experts[e].Down, h, moe.MoeIntermediateSize);
            for (int i = 0; i < y.Length; i++)
            {
                output[i] += (double)weight * y[i];
            }
        }

        if (moe.HasSharedExpert)
        {
            float[] shared = Mlp(
                Require("shared_expert.gate_proj.weight"), Require("shared_expert.up_proj.weight"), Require("shared_expert.down_proj.weight"),
                h, moe.SharedExpertIntermediateSize);
            float gate = (float)(1.0 / (1.0 + Math.Exp(-Linear(Require("shared_expert_gate.weight"), null, h, 1)[0])));
            for (int i = 0; i < shared.Length; i++)
            {
                output[i] += (double)gate * shared[i];
            }
        }

        return output.Select(v => (float)v).ToArray();
    }

    private static float[][] Attention(
        QwenConfig config, int layer, Func<string, float[]?> tensor, float[][] input, float[][] cos, float[][] sin)
    {
        string prefix = $"model.layers.{layer}.self_attn.";
        float[] Require(string name) => tensor(prefix + name) ?? throw new InvalidDataException($"Tensor {prefix}{name} is missing.");

        int n = input.Length;
        int heads = config.NumHeads;
        int kvHeads = config.NumKvHeads;
        int d = config.HeadDim;
        if (heads % kvHeads != 0)
        {
            throw new InvalidDataException($"{heads} heads are not a multiple of {kvHeads} key-value heads.");
        }

        int group = heads / kvHeads;

        float[] wq = Require("q_proj.weight");
        float[] wk = Require("k_proj.weight");
        float[] wv = Require("v_proj.weight");
        float[] wo = Require("o_proj.weight");
        float[]? bq = tensor(prefix + "q_proj.bias");
        float[]? bk = tensor(prefix + "k_proj.bias");
        float[]? bv = tensor(prefix + "v_proj.bias");
        float[]? bo = tensor(prefix + "o_proj.bias");
        float[]? qNorm = config.Architecture == QwenArchitecture.Qwen3 ? Require("q_norm.weight") : null;
        float[]? kNorm = config.Architecture == QwenArchitecture.Qwen3 ? Require("k_norm.weight") : null;

        // q[t][h] and k[t][h], v[t][h]: one head_dim vector each.
        var q = new float[n][][];
        var k = new float[n][][];
        var v = new float[n][][];
        for (int t = 0; t < n; t++)
        {
            float[] qFlat = Linear(wq, bq, input[t], heads * d);
            float[] kFlat = Linear(wk, bk, input[t], kvHeads * d);
            float[] vFlat = Linear(wv, bv, input[t], kvHeads * d);
            q[t] = new float[heads][];
            k[t] = new float[kvHeads][];
            v[t] = new float[kvHeads][];
            for (int h = 0; h < heads; h++)
            {
                float[] head = qFlat.AsSpan(h * d, d).ToArray();
                if (qNorm is not null)
                {
                    head = RmsNorm(head, qNorm, config.RmsNormEps);
                }

                q[t][h] = Rotate(head, cos[t], sin[t]);
            }

            for (int h = 0; h < kvHeads; h++)
            {
                float[] head = kFlat.AsSpan(h * d, d).ToArray();
                if (kNorm is not null)
                {
                    head = RmsNorm(head, kNorm, config.RmsNormEps);
                }

                k[t][h] = Rotate(head, cos[t], sin[t]);
                v[t][h] = vFlat.AsSpan(h * d, d).ToArray();
            }
        }

        int? window = config.SlidingWindow is int w && config.IsSliding(layer) ? w : null;
        double scale = 1.0 / Math.Sqrt(d);
        var output = new float[n][];
        for (int t = 0; t < n; t++)
        {
            var concatenated = new float[heads * d];
            for (int h = 0; h < heads; h++)
            {
                int kvHead = h / group;
                int first = window is int size ? Math.Max(0, t - size + 1) : 0;

                // Scores in float32 as the model has them, softmax in double.
                var scores = new double[t + 1 - first];
                double max = double.NegativeInfinity;
                for (int s = first; s <= t; s++)
                {
                    double dot = 0;
                    for (int i = 0; i < d; i++)
                    {
                        dot += (double)q[t][h][i] * k[s][kvHead][i];
                    }

                    double score = (float)(dot * scale);
                    scores[s - first] = score;
                    max = Math.Max(max, score);
                }

                double total = 0;
                for (int j = 0; j < scores.Length; j++)
                {
                    scores[j] = Math.Exp(scores[j] - max);
                    total += scores[j];
                }

                for (int i = 0; i < d; i++)
                {
                    double sum = 0;
                    for (int s = first; s <= t; s++)
                    {
                        sum += (double)(float)(scores[s - first] / total) * v[s][kvHead][i];
                    }

                    concatenated[h * d + i] = (float)sum;
                }
            }

            output[t] = Linear(wo, bo, concatenated, config.HiddenSize);
        }

        return output;
    }

    /// <summary>
    /// x·cos + rotate_half(x)·sin with rotate_half(x) = cat(−x[d/2:], x[:d/2]) and cos/sin duplicated over both halves.
    /// </summary>
    private static float[] Rotate(float[] x, float[] cos, float[] sin)
    {
        int half = x.Length / 2;
        var result = new float[x.Length];
        for (int i = 0; i < half; i++)
        {
            float first = x[i];
            float second = x[i + half];
            result[i] = first * cos[i] - second * sin[i];
            result[i + half] = second * cos[i] + first * sin[i];
        }

        return result;
    }

    /// <summary>cos and sin per position, head_dim/2 each, already multiplied by the attention scaling.</summary>
    private static (float[][] Cos, float[][] Sin) RotaryTables(QwenConfig config, int length)
    {
        var (inverse, scaling) = OwnRope.Parameters(config, length);
        var cos = new float[length][];
        var sin = new float[length][];
        for (int p = 0; p < length; p++)
        {
            cos[p] = new float[inverse.Length];
            sin[p] = new float[inverse.Length];
            for (int i = 0; i < inverse.Length; i++)
            {
                float angle = p * inverse[i];
                cos[p][i] = (float)Math.Cos(angle) * (float)scaling;
                sin[p][i] = (float)Math.Sin(angle) * (float)scaling;
            }
        }

        return (cos, sin);
    }

    /// <summary>RMSNorm: w · x / sqrt(mean(x²) + eps).</summary>
    private static float[] RmsNorm(float[] x, float[] weight, double eps)
    {
        double squares = 0;
        foreach (float value in x)
        {
            squares += (double)value * value;
        }

        double inverseRms = 1.0 / Math.Sqrt(squares / x.Length + eps);
        var result = new float[x.Length];
        for (int i = 0; i < x.Length; i++)
        {
            result[i] = weight[i] * (float)(x[i] * inverseRms);
        }

        return result;
    }

    /// <summary>y = W x + b for W stored [outputs, inputs] row-major (torch Linear).</summary>
    private static float[] Linear(float[] weight, float[]? bias, float[] x, int outputs)
    {
        int inputs = x.Length;
        if (weight.Length != outputs * inputs)
        {
            throw new InvalidDataException($"Weight has {weight.Length} values, expected {outputs}×{inputs}.");
        }

        var y = new float[outputs];
        for (int o = 0; o < outputs; o++)
        {
            double sum = bias?[o] ?? 0;
            int row = o * inputs;
            for (int i = 0; i < inputs; i++)
            {
                sum += (double)weight[row + i] * x[i];
            }

            y[o] = (float)sum;
        }

        return y;
    }

    private static float[] Add(float[] a, float[] b)
    {
        var result = new float[a.Length];
        for (int i = 0; i < a.Length; i++)
        {
            result[i] = a[i] + b[i];
        }

        return result;
    }

    private static float Silu(float x) => (float)(x / (1.0 + Math.Exp(-x)));
}
