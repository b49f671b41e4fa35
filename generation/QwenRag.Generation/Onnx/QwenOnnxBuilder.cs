using System.Diagnostics;
using System.Globalization;
using System.Numerics.Tensors;
using Google.Protobuf;
using Onnx;
using QwenRag.Generation.Checkpoints;
using QwenRag.Generation.Rope;

namespace QwenRag.Generation.Onnx;

/// <summary>What <see cref="QwenOnnxBuilder.Build"/> wrote.</summary>
public sealed record QwenOnnxBuildResult(
    string ModelPath,
    string DataPath,
    long ModelBytes,
    long DataBytes,
    int ContextLength,
    bool RopeTablesAreInputs,
    TimeSpan Elapsed,
    int WindowCachedLayers);

/// <summary>
/// Turns a Hugging Face Qwen2/Qwen3 (or Qwen2-MoE/Qwen3-MoE) safetensors checkpoint into an ONNX model for ONNX Runtime
/// (com.microsoft GroupQueryAttention with rotary, SimplifiedLayerNormalization, SwiGLU, MoE/QMoE experts), named like
/// onnxruntime-genai's models, with weights in one external data file and a genai_config.json beside it.
/// </summary>
public static class QwenOnnxBuilder
{
    public const string ModelFileName = "model.onnx";
    public const string DataFileName = "model.onnx.data";
    public const string GenAiConfigFileName = "genai_config.json";

    /// <summary>
    /// Optional graph input (int64 scalar, default 0): how many of each row's last positions get logits; 0 gives
    /// every position (scoring), 1 only the last (generation), which spares the lm_head for the rest of a prompt.
    /// </summary>
    public const string LogitsToKeepInput = "logits_to_keep";

    /// <summary>Graph inputs carrying the rotary tables when they depend on the sequence length (dynamic NTK).</summary>
    public const string CosCacheInput = "cos_cache";

    /// <inheritdoc cref="CosCacheInput"/>
    public const string SinCacheInput = "sin_cache";

    /// <summary>
    /// What is added to Hugging Face's sliding_window to get GroupQueryAttention's local_window_size: 0 for ONNX
    /// Runtime 1.31's CPU kernel (verified); the CUDA kernel is not verified here.
    /// </summary>
    internal const int LocalWindowOffset = 0;

    /// <summary>Model metadata: the layers whose KV cache is window-sized (comma-separated), when any are.</summary>
    public const string WindowCacheLayersKey = "qwenrag.window_cache_layers";

    /// <summary>Model metadata: GroupQueryAttention's local_window_size of the window-cached layers.</summary>
    public const string LocalWindowSizeKey = "qwenrag.local_window_size";

    /// <summary>The symbolic length of a window-sized KV cache input or output.</summary>
    public const string WindowCacheDimension = "window_cache_length";

    /// <summary>The output of a <see cref="QwenGraphKind.HiddenStates"/> graph: the final-norm hidden state of every position.</summary>
    public const string HiddenStatesOutput = "last_hidden_state";

    /// <summary>Model metadata: which <see cref="QwenGraphKind"/> the graph is.</summary>
    public const string GraphKindKey = "qwenrag.graph_kind";

    /// <summary>Model metadata: the positions the rotary tables cover (a longer input cannot run).</summary>
    public const string ContextLengthKey = "qwenrag.context_length";

    /// <summary>Columns of one MatMulNBits quantization block (one scale and zero point each).</summary>
    internal const int Int4BlockSize = 32;

    /// <summary>
    /// MatMulNBits' accuracy_level: 4 quantizes the activations to int8 per block, which sends ONNX Runtime's CPU
    /// kernel down its int8 dot-product path (about 1.5x the decode speed of level 0, which dequantizes the weights
    /// to fp32). The int8 rounding of the activations is small next to the 4-bit rounding of the weights
    /// (ModelPrecisionTests.Int4FollowsTheReferenceOnDequantizedWeights).
    /// </summary>
    internal const int Int4AccuracyLevel = 4;

    /// <summary>The symbolic length of the logits' sequence axis: every position, or the last logits_to_keep.</summary>
    public const string LogitsLengthDimension = "logits_length";

    private static readonly string[] TokenizerFiles =
        ["tokenizer.json", "tokenizer_config.json", "chat_template.jinja", "vocab.json", "merges.txt", "generation_config.json", "config.json", "special_tokens_map.json"];

    /// <param name="checkpointDirectory">A Hugging Face checkpoint folder (config.json and safetensors).</param>
    /// <param name="outputDirectory">Where model.onnx, its data, genai_config.json and the tokenizer files go.</param>
    /// <param name="precision">Weights and activations: fp32, fp16 (for CUDA) or int4 projection and head weights with fp32 activations (int8 inside MatMulNBits).</param>
    /// <param name="windowedCache">
    /// Sliding-window layers get GroupQueryAttention's window-sized cache (<c>sliding_window_cache</c>), whose memory
    /// stays bounded however long the context grows (see <see cref="Runtime.KvCache"/>). onnxruntime-genai 0.18 feeds
    /// such a graph its shared max_length buffers, which ONNX Runtime refuses when max_length is below the window;
    /// false gives full-length caches on every layer, which genai always runs.
    /// </param>
    /// <param name="kind">
    /// A causal LM with KV cache and logits (the default), or the same layers without cache and head, returning the
    /// final-norm hidden states (embedding and reranking models; a checkpoint without lm_head builds only this).
    /// </param>
    public static QwenOnnxBuildResult Build(
        string checkpointDirectory,
        string outputDirectory,
        OnnxPrecision precision = OnnxPrecision.Fp32,
        bool windowedCache = true,
        QwenGraphKind kind = QwenGraphKind.CausalLm)
    {
        var stopwatch = Stopwatch.StartNew();
        using var checkpoint = SafetensorsCheckpoint.Open(checkpointDirectory);
        var causal = kind == QwenGraphKind.CausalLm;
        if (causal && !checkpoint.HasLanguageModelHead)
        {
            throw new ArgumentException(
                $"The checkpoint '{checkpointDirectory}' has no lm_head and untied embeddings (a base model such as Qwen3-Embedding): " +
                "it has hidden states but no logits, so it cannot be built as a causal LM.");
        }

        checkpoint.Validate(languageModelHead: causal);
        var config = checkpoint.Config;
        if (config.NumHeads % config.NumKvHeads != 0)
        {
            throw new ArgumentException($"num_attention_heads ({config.NumHeads}) must be a multiple of num_key_value_heads ({config.NumKvHeads}).");
        }

        if (config.HeadDim % 16 != 0)
        {
            // ONNX Runtime 1.31 rejects it at run time ("head_size shall be a multiple of 16") on CPU as on CUDA.
            throw new ArgumentException(
                $"head_dim {config.HeadDim} is not supported: GroupQueryAttention with rotary needs a multiple of 16.");
        }

        Directory.CreateDirectory(outputDirectory);
        var modelPath = Path.Combine(outputDirectory, ModelFileName);
        var dataPath = Path.Combine(outputDirectory, DataFileName);
        var contextLength = ContextLength(config);
        var dynamicRope = config.RopeScaling.Type == RopeType.Dynamic;
        if (dynamicRope && !causal)
        {
            // Dynamic NTK rescales by each sequence's own length, which one padded pass over a batch cannot give.
            throw new ArgumentException("dynamic rope scaling is not supported for hidden-state (embedding) graphs.");
        }

        ModelProto model;
        using (var data = new ExternalDataWriter(dataPath))
        {
            var emitter = new Emitter(checkpoint, config, precision, data, contextLength, dynamicRope, windowedCache && causal, causal);
            model = emitter.Emit();
        }

        using (var file = File.Create(modelPath))
        {
            model.WriteTo(file);
        }

        if (causal)
        {
            GenAiConfig.Write(Path.Combine(outputDirectory, GenAiConfigFileName), config, contextLength, dynamicRope);
        }

        foreach (var name in TokenizerFiles)
        {
            var source = Path.Combine(checkpointDirectory, name);
            if (File.Exists(source))
            {
                File.Copy(source, Path.Combine(outputDirectory, name), overwrite: true);
            }
        }

        return new QwenOnnxBuildResult(
            modelPath, dataPath, new FileInfo(modelPath).Length, new FileInfo(dataPath).Length, contextLength, dynamicRope, stopwatch.Elapsed,
            model.MetadataProps.FirstOrDefault(entry => entry.Key == WindowCacheLayersKey)?.Value.Split(',').Length ?? 0);
    }

    /// <summary>
    /// Positions the rotary tables cover: max_position_embeddings, widened to factor x original for
    /// linear and YaRN scaling (Qwen's YaRN recipe leaves max_position_embeddings at the original length).
    /// </summary>
    internal static int ContextLength(QwenConfig config)
    {
        var length = config.MaxPositionEmbeddings;
        if (config.RopeScaling.Type is RopeType.Linear or RopeType.Yarn or RopeType.Dynamic)
        {
            var original = config.RopeScaling.OriginalMaxPositionEmbeddings ?? config.MaxPositionEmbeddings;
            length = Math.Max(length, (int)Math.Ceiling(config.RopeScaling.Factor * original));
        }

        return length;
    }

    private sealed class Emitter(
        SafetensorsCheckpoint checkpoint, QwenConfig config, OnnxPrecision precision, ExternalDataWriter data, int contextLength, bool dynamicRope,
        bool windowedCache, bool causal)
    {
        private readonly OnnxGraph _g = new();
        private readonly OnnxDataType _act = precision == OnnxPrecision.Fp16 ? OnnxDataType.Float16 : OnnxDataType.Float;

        // Reused across tensors so that memory stays at about the largest tensor (twice), not the whole model.
        private float[] _source = [];
        private float[] _scratch = [];
        private Half[] _half = [];

        public ModelProto Emit()
        {
            var d = config.HeadDim;
            var kv = config.NumKvHeads;
            _g.Input("input_ids", OnnxDataType.Int64, "batch_size", "sequence_length");
            _g.Input("attention_mask", OnnxDataType.Int64, "batch_size", "total_sequence_length");
            for (var i = 0; causal && i < config.NumLayers; i++)
            {
                var length = IsWindowCached(i) ? WindowCacheDimension : "past_sequence_length";
                _g.Input($"past_key_values.{i}.key", _act, "batch_size", kv, length, d);
                _g.Input($"past_key_values.{i}.value", _act, "batch_size", kv, length, d);
            }

            if (causal)
            {
                // An initializer of the input's name is its default: callers that do not bind it get every position.
                _g.Input(LogitsToKeepInput, OnnxDataType.Int64);
                _g.Constant(LogitsToKeepInput, OnnxDataType.Int64, [], [0L]);
            }

            string cos, sin;
            if (dynamicRope)
            {
                _g.Input(CosCacheInput, _act, "rope_positions", d / 2);
                _g.Input(SinCacheInput, _act, "rope_positions", d / 2);
                (cos, sin) = (CosCacheInput, SinCacheInput);
            }
            else
            {
                var (cosTable, sinTable) = RopeTables.Tables(config, contextLength);
                cos = Weight("cos_cache", [contextLength, d / 2], cosTable);
                sin = Weight("sin_cache", [contextLength, d / 2], sinTable);
            }

            // seqlens_k = sum(attention_mask) - 1 and total_sequence_length, as GroupQueryAttention wants them.
            var axes1 = _g.Constant("/const/axes_1", OnnxDataType.Int64, [1], [1L]);
            var one64 = _g.Constant("/const/one_i64", OnnxDataType.Int64, [], [1L]);
            var sum = _g.Node("ReduceSum", ["attention_mask", axes1], "/mask/sum", "", OnnxGraph.Int("keepdims", 0));
            var minusOne = _g.Node("Sub", [sum, one64], "/mask/sum_minus_one");
            var seqlensK = _g.Node("Cast", [minusOne], "/mask/seqlens_k", "", OnnxGraph.Int("to", (long)OnnxDataType.Int32));
            var maskShape = _g.Node("Shape", ["attention_mask"], "/mask/shape");
            var index1 = _g.Constant("/const/index_1", OnnxDataType.Int64, [], [1L]);
            var total64 = _g.Node("Gather", [maskShape, index1], "/mask/total_i64", "", OnnxGraph.Int("axis", 0));
            var total = _g.Node("Cast", [total64], "/mask/total_sequence_length", "", OnnxGraph.Int("to", (long)OnnxDataType.Int32));

            var embedName = "model.embed_tokens.weight";
            var embed = Weight(embedName, [config.VocabSize, config.HiddenSize], Read(embedName));
            var hidden = _g.Node("Gather", [embed, "input_ids"], "/model/embed_tokens/output", "", OnnxGraph.Int("axis", 0));

            string? residual = null;
            for (var i = 0; i < config.NumLayers; i++)
            {
                var p = $"model.layers.{i}.";
                var (normed, newResidual) = Norm($"/model/layers.{i}/input_layernorm", hidden, residual, p + "input_layernorm.weight");
                residual = newResidual;
                var attention = Attention(i, p, normed, seqlensK, total, cos, sin);
                (normed, residual) = Norm($"/model/layers.{i}/post_attention_layernorm", attention, residual, p + "post_attention_layernorm.weight");
                hidden = config.IsSparse(i) ? SparseMlp(i, normed) : Mlp($"/model/layers.{i}/mlp", normed, p + "mlp.", config.IntermediateSize);
            }

            var (final, _) = Norm("/model/norm", hidden, residual, "model.norm.weight");
            if (causal)
            {
                Logits(final, embed);
            }
            else
            {
                HiddenStates(final);
            }

            var model = new ModelProto
            {
                IrVersion = 8,
                ProducerName = "QwenRag",
                ProducerVersion = "1",
                Graph = _g.Graph,
            };
            model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = 17 });
            model.OpsetImport.Add(new OperatorSetIdProto { Domain = OnnxGraph.MicrosoftDomain, Version = 1 });
            model.MetadataProps.Add(new StringStringEntryProto { Key = GraphKindKey, Value = causal ? "causal_lm" : "hidden_states" });
            model.MetadataProps.Add(new StringStringEntryProto { Key = ContextLengthKey, Value = contextLength.ToString(CultureInfo.InvariantCulture) });
            var windowed = Enumerable.Range(0, config.NumLayers).Where(IsWindowCached).ToArray();
            if (windowed.Length > 0)
            {
                model.MetadataProps.Add(new StringStringEntryProto { Key = WindowCacheLayersKey, Value = string.Join(',', windowed) });
                model.MetadataProps.Add(new StringStringEntryProto { Key = LocalWindowSizeKey, Value = LocalWindowSize(windowed[0]).ToString(CultureInfo.InvariantCulture) });
            }

            return model;
        }

        /// <summary>RMSNorm; with a residual, the fused SkipSimplifiedLayerNormalization also returns input + residual.</summary>
        private (string Output, string Residual) Norm(string name, string input, string? residual, string weightName)
        {
            var weight = Weight(weightName, [config.HiddenSize], Read(weightName));
            var epsilon = OnnxGraph.Float("epsilon", (float)config.RmsNormEps);
            if (residual is null)
            {
                var output = _g.Node("SimplifiedLayerNormalization", [input, weight], name + "/output", "",
                    OnnxGraph.Int("axis", -1), epsilon, OnnxGraph.Int("stash_type", 1));
                return (output, input);
            }

            var outputs = _g.Node("SkipSimplifiedLayerNormalization", [input, residual, weight],
                [name + "/output", "", "", name + "/residual"], OnnxGraph.MicrosoftDomain, epsilon);
            return (outputs[0], outputs[3]);
        }

        private string Attention(int layer, string p, string input, string seqlensK, string total, string cos, string sin)
        {
            var d = config.HeadDim;
            var name = $"/model/layers.{layer}/attn";
            var q = Linear(name + "/q_proj", input, p + "self_attn.q_proj", config.NumHeads * d, config.HiddenSize);
            var k = Linear(name + "/k_proj", input, p + "self_attn.k_proj", config.NumKvHeads * d, config.HiddenSize);
            var v = Linear(name + "/v_proj", input, p + "self_attn.v_proj", config.NumKvHeads * d, config.HiddenSize);
            if (checkpoint.Contains(p + "self_attn.q_norm.weight"))
            {
                q = HeadNorm(name + "/q_norm", q, p + "self_attn.q_norm.weight", config.NumHeads);
                k = HeadNorm(name + "/k_norm", k, p + "self_attn.k_norm.weight", config.NumKvHeads);
            }

            // Hugging Face lets a query see the keys with q - k < sliding_window: sliding_window keys, itself included.
            // ONNX Runtime 1.31's CPU GroupQueryAttention masks all but the last local_window_size keys (checked
            // against the reference by ModelLogitsTests.SlidingWindow*), so the window goes in unchanged. Older
            // kernels kept local_window_size + 1 keys, hence the "sliding_window - 1" rule of onnxruntime-genai.
            // A window-cached layer keeps only the most recent positions (at least the window), evicting in blocks.
            var windowCached = IsWindowCached(layer);
            List<AttributeProto> attributes =
            [
                OnnxGraph.Int("num_heads", config.NumHeads),
                OnnxGraph.Int("kv_num_heads", config.NumKvHeads),
                OnnxGraph.Int("do_rotary", 1),
                OnnxGraph.Int("rotary_interleaved", 0),
                OnnxGraph.Int("local_window_size", LocalWindowSize(layer)),
            ];
            if (windowCached)
            {
                attributes.Add(OnnxGraph.Int("sliding_window_cache", 1));
            }

            // Without a cache (hidden states of one pass) past is absent and present stays inside the graph.
            var (past, present) = causal ? ("past_key_values", "present") : ("", $"{name}/present");
            var outputs = _g.Node(
                "GroupQueryAttention",
                [q, k, v, causal ? $"{past}.{layer}.key" : "", causal ? $"{past}.{layer}.value" : "", seqlensK, total, cos, sin],
                [name + "/output", causal ? $"{present}.{layer}.key" : present + "_key", causal ? $"{present}.{layer}.value" : present + "_value"],
                OnnxGraph.MicrosoftDomain,
                [.. attributes]);
            if (causal)
            {
                var length = windowCached ? WindowCacheDimension : "total_sequence_length";
                _g.Output($"present.{layer}.key", _act, "batch_size", config.NumKvHeads, length, d);
                _g.Output($"present.{layer}.value", _act, "batch_size", config.NumKvHeads, length, d);
            }

            return Linear(name + "/o_proj", outputs[0], p + "self_attn.o_proj", config.HiddenSize, config.NumHeads * d);
        }

        private int LocalWindowSize(int layer) =>
            config.IsSliding(layer) && config.SlidingWindow is int w ? w + LocalWindowOffset : -1;

        private bool IsWindowCached(int layer) => windowedCache && LocalWindowSize(layer) > 0;

        /// <summary>Qwen3's q_norm/k_norm: RMSNorm over head_dim of each head, before the rotary inside GQA.</summary>
        private string HeadNorm(string name, string input, string weightName, int heads)
        {
            var d = config.HeadDim;
            var weight = Weight(weightName, [d], Read(weightName));
            var split = _g.Constant(name + "/shape_heads", OnnxDataType.Int64, [4], [0L, 0L, heads, d]);
            var merge = _g.Constant(name + "/shape_merged", OnnxDataType.Int64, [3], [0L, 0L, (long)heads * d]);
            var reshaped = _g.Node("Reshape", [input, split], name + "/heads");
            var normed = _g.Node("SimplifiedLayerNormalization", [reshaped, weight], name + "/output", "",
                OnnxGraph.Int("axis", -1), OnnxGraph.Float("epsilon", (float)config.RmsNormEps), OnnxGraph.Int("stash_type", 1));
            return _g.Node("Reshape", [normed, merge], name + "/merged");
        }

        /// <summary>down(silu(gate(x)) · up(x)); <paramref name="prefix"/> is <c>...mlp.</c> or <c>...mlp.shared_expert.</c>.</summary>
        private string Mlp(string name, string input, string prefix, int width)
        {
            var gate = Linear(name + "/gate_proj", input, prefix + "gate_proj", width, config.HiddenSize);
            var up = Linear(name + "/up_proj", input, prefix + "up_proj", width, config.HiddenSize);
            var sigmoid = _g.Node("Sigmoid", [gate], name + "/gate_sigmoid");
            var silu = _g.Node("Mul", [gate, sigmoid], name + "/gate_silu");
            var product = _g.Node("Mul", [silu, up], name + "/gate_times_up");
            return Linear(name + "/down_proj", product, prefix + "down_proj", config.HiddenSize, width);
        }

        private string SparseMlp(int layer, string input)
        {
            var name = $"/model/layers.{layer}/mlp";
            var experts = new MoeEmitter(_g, checkpoint, config, layer, data, precision == OnnxPrecision.Int4, _act);
            var routed = experts.Emit(name, input, RouterLogits(name, input, layer));
            if (config.Moe is not { HasSharedExpert: true })
            {
                return routed;
            }

            // Qwen2-MoE: + sigmoid(shared_expert_gate(x)) · shared_expert(x).
            var shared = Mlp(name + "/shared_expert", input, QwenTensorNames.Layer(layer, "mlp.shared_expert."), config.Moe.SharedExpertIntermediateSize);
            var gateLogit = Linear(name + "/shared_expert_gate", input, QwenTensorNames.Layer(layer, "mlp.shared_expert_gate"), 1, config.HiddenSize);
            var gate = _g.Node("Sigmoid", [gateLogit], name + "/shared_expert_gate/sigmoid");
            var gated = _g.Node("Mul", [gate, shared], name + "/shared_expert/gated");
            return _g.Node("Add", [routed, gated], name + "/output");
        }

        /// <summary>
        /// x·W_router^T in the activation type (a plain MatMul even in int4 builds: routing decides which experts run, so
        /// it keeps full precision), as [rows, num_experts] for the MoE ops.
        /// </summary>
        private string RouterLogits(string name, string input, int layer)
        {
            var experts = config.Moe!.NumExperts;
            var weightName = QwenTensorNames.Router(layer);
            var weight = Read(weightName);
            var transposed = Buffer(ref _scratch, weight.Length);
            for (var o = 0; o < experts; o++)
            {
                for (var i = 0; i < config.HiddenSize; i++)
                {
                    transposed[(i * experts) + o] = weight[(o * config.HiddenSize) + i];
                }
            }

            var w = Weight(weightName + ".T", [config.HiddenSize, experts], transposed);
            var rowsShape = _g.Constant(name + "/router/shape_rows", OnnxDataType.Int64, [2], [-1L, config.HiddenSize]);
            var rows = _g.Node("Reshape", [input, rowsShape], name + "/router/rows");
            return _g.Node("MatMul", [rows, w], name + "/router/logits");
        }

        /// <summary>y = x W^T (+ b) for a Hugging Face Linear whose weight is [out, in].</summary>
        private string Linear(string name, string input, string prefix, int outFeatures, int inFeatures)
        {
            var weight = Read(prefix + ".weight");
            string output;
            if (precision == OnnxPrecision.Int4)
            {
                output = MatMulNBits(name, input, prefix + ".weight", weight, outFeatures, inFeatures);
            }
            else
            {
                var transposed = Buffer(ref _scratch, weight.Length);
                for (var o = 0; o < outFeatures; o++)
                {
                    for (var i = 0; i < inFeatures; i++)
                    {
                        transposed[(i * outFeatures) + o] = weight[(o * inFeatures) + i];
                    }
                }

                var w = Weight(prefix + ".weight.T", [inFeatures, outFeatures], transposed);
                output = _g.Node("MatMul", [input, w], name + "/MatMul");
            }

            if (checkpoint.Contains(prefix + ".bias"))
            {
                var bias = Weight(prefix + ".bias", [outFeatures], Read(prefix + ".bias"));
                output = _g.Node("Add", [output, bias], name + "/Add");
            }

            return output;
        }

        private string MatMulNBits(string name, string input, string weightName, ReadOnlySpan<float> weight, int n, int k, string? output = null)
        {
            var q = Int4Quantizer.Quantize(weight, n, k, Int4BlockSize);
            var blocks = q.BlocksPerRow;
            _g.Initializer(data.Write<byte>(weightName + ".q4", OnnxDataType.UInt8, [n, blocks, Int4BlockSize / 2], q.Packed));
            _g.Initializer(data.Write<float>(weightName + ".scales", OnnxDataType.Float, [n, blocks], q.Scales));
            _g.Initializer(data.Write<byte>(weightName + ".zero_points", OnnxDataType.UInt8, [n, (blocks + 1) / 2], q.ZeroPoints));
            return _g.Node("MatMulNBits", [input, weightName + ".q4", weightName + ".scales", weightName + ".zero_points"], output ?? name + "/MatMulNBits",
                OnnxGraph.MicrosoftDomain,
                OnnxGraph.Int("K", k), OnnxGraph.Int("N", n), OnnxGraph.Int("bits", 4), OnnxGraph.Int("block_size", Int4BlockSize),
                OnnxGraph.Int("accuracy_level", Int4AccuracyLevel));
        }

        private void Logits(string hidden, string embed)
        {
            var kept = LastPositions(hidden);
            var untied = !config.TieWordEmbeddings && checkpoint.Contains("lm_head.weight");
            if (precision == OnnxPrecision.Int4)
            {
                // The head is the largest matrix of a small model (vocab x hidden) and dominates decode time, so it is
                // quantized too; a tied model quantizes a copy of its embedding, whose Gather stays full precision.
                var weight = Read(untied ? "lm_head.weight" : "model.embed_tokens.weight");
                MatMulNBits("/lm_head", kept, "lm_head.weight", weight, config.VocabSize, config.HiddenSize, "logits");
            }
            else
            {
                // Gemm with transB reads lm_head (or the tied embedding) in Hugging Face's [vocab, hidden] layout, so a
                // tied model stores its embedding once.
                var head = untied ? Weight("lm_head.weight", [config.VocabSize, config.HiddenSize], Read("lm_head.weight")) : embed;
                var flat = _g.Constant("/lm_head/shape_2d", OnnxDataType.Int64, [2], [-1L, config.HiddenSize]);
                var vocab = _g.Constant("/lm_head/vocab", OnnxDataType.Int64, [1], [(long)config.VocabSize]);
                var x2d = _g.Node("Reshape", [kept, flat], "/lm_head/input_2d");
                var y2d = _g.Node("Gemm", [x2d, head], "/lm_head/output_2d", "", OnnxGraph.Int("transB", 1));
                var keptShape = _g.Node("Shape", [kept], "/lm_head/kept_shape", "", OnnxGraph.Int("start", 0), OnnxGraph.Int("end", 2));
                var shape3d = _g.Node("Concat", [keptShape, vocab], "/lm_head/shape_3d", "", OnnxGraph.Int("axis", 0));
                if (_act == OnnxDataType.Float)
                {
                    _g.Node("Reshape", [y2d, shape3d], "logits");
                }
                else
                {
                    var logits16 = _g.Node("Reshape", [y2d, shape3d], "/lm_head/logits_fp16");
                    _g.Node("Cast", [logits16], "logits", "", OnnxGraph.Int("to", (long)OnnxDataType.Float));
                }
            }

            _g.Output("logits", OnnxDataType.Float, "batch_size", LogitsLengthDimension, config.VocabSize);
        }

        /// <summary>
        /// The last logits_to_keep positions of each row of <paramref name="hidden"/>: Slice from -k, where k = 0 gives
        /// start 0 (every position) and k beyond the sequence length is clamped to it.
        /// </summary>
        private string LastPositions(string hidden)
        {
            var axes0 = _g.Constant("/logits_to_keep/axes_0", OnnxDataType.Int64, [1], [0L]);
            var axes1 = _g.Constant("/logits_to_keep/axes_1", OnnxDataType.Int64, [1], [1L]);
            var ends = _g.Constant("/logits_to_keep/ends", OnnxDataType.Int64, [1], [long.MaxValue]);
            var k = _g.Node("Unsqueeze", [LogitsToKeepInput, axes0], "/logits_to_keep/k_1d");
            var starts = _g.Node("Neg", [k], "/logits_to_keep/starts");
            return _g.Node("Slice", [hidden, starts, ends, axes1], "/logits_to_keep/hidden");
        }

        /// <summary>The final-norm hidden states [batch, sequence, hidden] in float32, for pooling by the caller.</summary>
        private void HiddenStates(string hidden)
        {
            if (_act == OnnxDataType.Float)
            {
                _g.Node("Identity", [hidden], HiddenStatesOutput);
            }
            else
            {
                _g.Node("Cast", [hidden], HiddenStatesOutput, "", OnnxGraph.Int("to", (long)OnnxDataType.Float));
            }

            _g.Output(HiddenStatesOutput, OnnxDataType.Float, "batch_size", "sequence_length", config.HiddenSize);
        }

        /// <summary>Reads one checkpoint tensor as float32 into the reused buffer.</summary>
        private Span<float> Read(string name)
        {
            var count = checked((int)checkpoint.Info(name).ElementCount);
            var destination = Buffer(ref _source, count);
            checkpoint.ReadFloat32(name, destination);
            return destination;
        }

        private static Span<T> Buffer<T>(ref T[] buffer, int count)
        {
            if (buffer.Length < count)
            {
                buffer = [];
                buffer = new T[count];
            }

            return buffer.AsSpan(0, count);
        }

        /// <summary>Streams one tensor to the data file in the activation type.</summary>
        private string Weight(string name, long[] dims, ReadOnlySpan<float> values)
        {
            if (_act == OnnxDataType.Float16)
            {
                var converted = Buffer(ref _half, values.Length);
                TensorPrimitives.ConvertToHalf(values, converted);

                _g.Initializer(data.Write<Half>(name, OnnxDataType.Float16, dims, converted));
            }
            else
            {
                _g.Initializer(data.Write<float>(name, OnnxDataType.Float, dims, values));
            }

            return name;
        }
    }
}
