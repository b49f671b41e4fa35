using QwenRag.Generation.Checkpoints;

namespace QwenRag.Generation.Tests.Reference;

/// <summary>Invariants the reference forward pass must satisfy before other code is checked against it.</summary>
public sealed class QwenReferenceTests
{
    private static readonly int[] Tokens = [3, 17, 5, 29, 11, 2, 23, 8];

    /// <summary>A tiny checkpoint loaded into memory: its config and tensors by HF name.</summary>
    private sealed record Model(QwenConfig Config, Dictionary<string, float[]> Tensors)
    {
        public float[][] Logits(IReadOnlyList<int> tokens) => Logits(Config, tokens);

        public float[][] Logits(QwenConfig config, IReadOnlyList<int> tokens)
            => QwenReference.Logits(config, name => Tensors.GetValueOrDefault(name), tokens);
    }

    private static Model Load(TinyCheckpointOptions options)
    {
        var directory = Directory.CreateTempSubdirectory("qwenrag-reference-");
        try
        {
            TinyCheckpoint.Write(directory.FullName, options);
            using var checkpoint = SafetensorsCheckpoint.Open(directory.FullName);
            var config = checkpoint.Config;
            var tensors = new Dictionary<string, float[]>();
            foreach (string name in checkpoint.TensorNames)
            {
                tensors[name] = checkpoint.ReadFloat32(name);
            }

            // The checkpoint-reading overload agrees with the in-memory one.
            Assert.Equal(
                QwenReference.Logits(checkpoint, Tokens[..3]),
                QwenReference.Logits(config, name => tensors.GetValueOrDefault(name), Tokens[..3]));
            return new Model(config, tensors);
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    private static TinyCheckpointOptions Options(QwenArchitecture architecture, int layers = 2, int heads = 4, int kvHeads = 2)
        => new()
        {
            Architecture = architecture,
            Layers = layers,
            Hidden = 32,
            Heads = heads,
            KvHeads = kvHeads,
            HeadDim = 8,
            Intermediate = 48,
            Vocab = 40,
            MaxPositions = 64,
            Seed = 7,
        };

    private static float MaxDifference(float[] a, float[] b)
    {
        Assert.Equal(a.Length, b.Length);
        float max = 0;
        for (int i = 0; i < a.Length; i++)
        {
            max = Math.Max(max, Math.Abs(a[i] - b[i]));
        }

        return max;
    }

    [Theory]
    [InlineData(QwenArchitecture.Qwen2)]
    [InlineData(QwenArchitecture.Qwen3)]
    public void Logits_have_one_row_per_position_and_are_finite_and_distinct(QwenArchitecture architecture)
    {
        var model = Load(Options(architecture));
        float[][] logits = model.Logits(Tokens);

        Assert.Equal(Tokens.Length, logits.Length);
        Assert.All(logits, row => Assert.Equal(model.Config.VocabSize, row.Length));
        Assert.All(logits, row => Assert.All(row, value => Assert.True(float.IsFinite(value))));
        Assert.True(MaxDifference(logits[0], logits[1]) > 1e-4f);
    }

    [Theory]
    [InlineData(QwenArchitecture.Qwen2)]
    [InlineData(QwenArchitecture.Qwen3)]
    public void Logits_at_a_position_do_not_depend_on_later_tokens(QwenArchitecture architecture)
    {
        var model = Load(Options(architecture));
        int[] changed = [.. Tokens];
        changed[5] = 37;
        changed[7] = 1;

        float[][] original = model.Logits(Tokens);
        float[][] altered = model.Logits(changed);

        for (int t = 0; t < 5; t++)
        {
            Assert.Equal(original[t], altered[t]);
        }

        Assert.True(MaxDifference(original[5], altered[5]) > 1e-4f);
        Assert.True(MaxDifference(original[6], altered[6]) > 1e-4f);

        // A prefix alone gives the same rows as inside the longer sequence.
        float[][] prefix = model.Logits(Tokens[..4]);
        for (int t = 0; t < 4; t++)
        {
            Assert.Equal(original[t], prefix[t]);
        }
    }

    [Theory]
    [InlineData(QwenArchitecture.Qwen2)]
    [InlineData(QwenArchitecture.Qwen3)]
    public void Grouped_kv_heads_equal_duplicated_full_kv_heads(QwenArchitecture architecture)
    {
        // 4 query heads sharing 2 kv heads: query head h reads kv head h / 2.
        var grouped = Load(Options(architecture, heads: 4, kvHeads: 2));
        int d = grouped.Config.HeadDim;
        int hidden = grouped.Config.HiddenSize;

        // The same model with 4 kv heads, kv head h a copy of grouped kv head map(h).
        Model Expand(Func<int, int> map)
        {
            var tensors = new Dictionary<string, float[]>(grouped.Tensors);
            for (int layer = 0; layer < grouped.Config.NumLayers; layer++)
            {
                foreach (string projection in new[] { "k_proj", "v_proj" })
                {
                    string weight = $"model.layers.{layer}.self_attn.{projection}.weight";
                    string bias = $"model.layers.{layer}.self_attn.{projection}.bias";
                    var expandedWeight = new float[4 * d * hidden];
                    for (int h = 0; h < 4; h++)
                    {
                        Array.Copy(grouped.Tensors[weight], map(h) * d * hidden, expandedWeight, h * d * hidden, d * hidden);
                    }

                    tensors[weight] = expandedWeight;
                    if (grouped.Tensors.TryGetValue(bias, out float[]? groupedBias))
                    {
                        var expandedBias = new float[4 * d];
                        for (int h = 0; h < 4; h++)
                        {
                            Array.Copy(groupedBias, map(h) * d, expandedBias, h * d, d);
                        }

                        tensors[bias] = expandedBias;
                    }
                }
            }

            return new Model(grouped.Config with { NumKvHeads = 4 }, tensors);
        }

        float[][] expected = grouped.Logits(Tokens);
        float[][] duplicated = Expand(h => h / 2).Logits(Tokens);
        for (int t = 0; t < Tokens.Length; t++)
        {
            Assert.True(MaxDifference(expected[t], duplicated[t]) < 1e-5f, $"position {t}");
        }

        // Interleaving the copies instead (kv head h % 2) is a different model: the test can tell.
        float[][] interleaved = Expand(h => h % 2).Logits(Tokens);
        Assert.True(MaxDifference(expected[^1], interleaved[^1]) > 1e-4f);
    }

    [Theory]
    [InlineData(QwenArchitecture.Qwen2)]
    [InlineData(QwenArchitecture.Qwen3)]
    public void A_window_covering_the_sequence_changes_nothing(QwenArchitecture architecture)
    {
        var model = Load(Options(architecture));
        var full = model.Config with { SlidingWindow = null, SlidingLayers = [false, false] };
        var wide = model.Config with { SlidingWindow = Tokens.Length, SlidingLayers = [true, true] };

        Assert.Equal(model.Logits(full, Tokens), model.Logits(wide, Tokens));
    }

    [Theory]
    [InlineData(QwenArchitecture.Qwen2)]
    [InlineData(QwenArchitecture.Qwen3)]
    public void A_small_window_changes_only_positions_that_see_past_it(QwenArchitecture architecture)
    {
        var model = Load(Options(architecture));
        var full = model.Config with { SlidingWindow = null, SlidingLayers = [false, false] };
        var narrow = model.Config with { SlidingWindow = 3, SlidingLayers = [false, true] };

        float[][] expected = model.Logits(full, Tokens);
        float[][] windowed = model.Logits(narrow, Tokens);

        // A query at position t sees keys t-2..t (window 3 includes itself): positions 0..2 see everything.
        for (int t = 0; t < 3; t++)
        {
            Assert.Equal(expected[t], windowed[t]);
        }

        for (int t = 3; t < Tokens.Length; t++)
        {
            Assert.True(MaxDifference(expected[t], windowed[t]) > 1e-5f, $"position {t}");
        }

        // Window 3 means exactly that: the first two tokens no longer reach position 4, so changing them in a
        // one-layer windowed model leaves position 4 alone.
        var oneLayer = Load(Options(architecture, layers: 1));
        var windowOnly = oneLayer.Config with { SlidingWindow = 3, SlidingLayers = [true] };
        int[] changed = [.. Tokens];
        changed[0] = 39;
        changed[1] = 38;
        Assert.Equal(oneLayer.Logits(windowOnly, Tokens)[4], oneLayer.Logits(windowOnly, changed)[4]);
        Assert.True(MaxDifference(oneLayer.Logits(windowOnly, Tokens)[3], oneLayer.Logits(windowOnly, changed)[3]) > 1e-5f);
    }

    [Theory]
    [InlineData(QwenArchitecture.Qwen2, false)]
    [InlineData(QwenArchitecture.Qwen3, false)]
    [InlineData(QwenArchitecture.Qwen3, true)]
    public void A_single_token_attends_only_to_itself(QwenArchitecture architecture, bool bias)
    {
        // With one token, softmax over one key is 1: the attention output is o_proj(v), whatever q, k and RoPE are.
        // Recompute that one position by hand and compare.
        var model = Load(Options(architecture, layers: 1) with { AttentionBias = bias });
        var config = model.Config;
        var w = model.Tensors;
        Assert.Equal(bias, w.ContainsKey("model.layers.0.self_attn.o_proj.bias"));
        int token = 13;

        static float[] Norm(float[] x, float[] weight, double eps)
        {
            double mean = x.Sum(v => (double)v * v) / x.Length;
            return [.. x.Select((v, i) => weight[i] * (float)(v / Math.Sqrt(mean + eps)))];
        }

        static float[] MatVec(float[] m, float[]? bias, float[] x)
        {
            int rows = m.Length / x.Length;
            return [.. Enumerable.Range(0, rows).Select(r =>
                (float)(Enumerable.Range(0, x.Length).Sum(c => (double)m[r * x.Length + c] * x[c]) + (bias?[r] ?? 0)))];
        }

        float[] x = w["model.embed_tokens.weight"].AsSpan(token * config.HiddenSize, config.HiddenSize).ToArray();
        float[] h = Norm(x, w["model.layers.0.input_layernorm.weight"], config.RmsNormEps);
        float[] v = MatVec(w["model.layers.0.self_attn.v_proj.weight"], w.GetValueOrDefault("model.layers.0.self_attn.v_proj.bias"), h);
        int d = config.HeadDim;
        float[] perQueryHead = [.. Enumerable.Range(0, config.NumHeads * d).Select(i => v[(i / d / config.KvGroupSize * d) + i % d])];
        float[] attention = MatVec(w["model.layers.0.self_attn.o_proj.weight"], w.GetValueOrDefault("model.layers.0.self_attn.o_proj.bias"), perQueryHead);
        x = [.. x.Zip(attention, (a, b) => a + b)];
        h = Norm(x, w["model.layers.0.post_attention_layernorm.weight"], config.RmsNormEps);
        float[] gate = MatVec(w["model.layers.0.mlp.gate_proj.weight"], null, h);
        float[] up = MatVec(w["model.layers.0.mlp.up_proj.weight"], null, h);
        float[] mlp = MatVec(w["model.layers.0.mlp.down_proj.weight"], null, [.. gate.Zip(up, (g, u) => (float)(g / (1 + Math.Exp(-g))) * u)]);
        x = [.. x.Zip(mlp, (a, b) => a + b)];
        h = Norm(x, w["model.norm.weight"], config.RmsNormEps);
        float[] logits = MatVec(config.TieWordEmbeddings ? w["model.embed_tokens.weight"] : w.GetValueOrDefault("lm_head.weight") ?? w["model.embed_tokens.weight"], null, h);

        Assert.True(MaxDifference(logits, model.Logits([token])[0]) < 1e-4f);
    }

    [Fact]
    public void Tied_embeddings_use_the_embedding_matrix_as_head()
    {
        var tied = Load(Options(QwenArchitecture.Qwen3) with { Tied = true });
        Assert.True(tied.Config.TieWordEmbeddings);

        // The same weights untied, with lm_head set to a copy of the embedding matrix, give the same logits.
        var tensors = new Dictionary<string, float[]>(tied.Tensors)
        {
            ["lm_head.weight"] = [.. tied.Tensors["model.embed_tokens.weight"]],
        };
        float[][] expected = new Model(tied.Config with { TieWordEmbeddings = false }, tensors).Logits(Tokens);
        Assert.Equal(expected, tied.Logits(Tokens));

        // And a different lm_head is ignored while the config says tied.
        tensors["lm_head.weight"] = new float[tensors["lm_head.weight"].Length];
        Assert.Equal(expected, new Model(tied.Config, tensors).Logits(Tokens));
    }

    [Fact]
    public void Rope_scaling_reaches_the_attention()
    {
        var plain = Load(Options(QwenArchitecture.Qwen2));
        var yarn = plain with
        {
            Config = plain.Config with
            {
                RopeScaling = new RopeScaling(RopeType.Yarn, 4, 16, null, null, null, null, null, true),
            },
        };
        var dynamic = plain with
        {
            Config = plain.Config with
            {
                RopeScaling = new RopeScaling(RopeType.Dynamic, 2, null, null, null, null, null, null, true),
                MaxPositionEmbeddings = 4,
            },
        };

        float[][] expected = plain.Logits(Tokens);

        // Position 0 only ever sees itself, so RoPE cannot change it (YaRN's factor scales q and k alike, but
        // one softmax entry stays 1).
        Assert.True(MaxDifference(expected[0], yarn.Logits(Tokens)[0]) < 1e-5f);
        Assert.True(MaxDifference(expected[^1], yarn.Logits(Tokens)[^1]) > 1e-5f);

        // Dynamic NTK is plain RoPE while the sequence fits max_position_embeddings, and rescales beyond it.
        Assert.Equal(plain.Logits(Tokens[..4]), dynamic.Logits(Tokens[..4]));
        Assert.True(MaxDifference(expected[^1], dynamic.Logits(Tokens)[^1]) > 1e-5f);
    }
}
