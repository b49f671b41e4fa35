using System.Numerics.Tensors;
using Google.Protobuf;
using Onnx;
using QwenRag.Generation.Checkpoints;

namespace QwenRag.Generation.Onnx;

/// <summary>
/// One sparse layer's routed experts as a single com.microsoft <c>MoE</c> node (fp32/fp16) or <c>QMoE</c> node (int4
/// experts), with the expert weights streamed to the data file one expert at a time.
/// </summary>
/// <remarks>
/// What ONNX Runtime 1.31's CPU kernels compute, checked by MoeOperatorTests against a plain loop: MoE takes the
/// router logits, applies softmax over all experts in float32, keeps the top k and renormalises them exactly when
/// normalize_routing_weights = 1, which is transformers' norm_topk_prob. QMoE always renormalises (a softmax over the
/// top-k logits alone), so without norm_topk_prob its output is multiplied back by the sum of the top-k probabilities,
/// computed here with Softmax, TopK and ReduceSum. activation_type "swiglu" with swiglu_fusion = 1 (the only layout
/// the CPU kernels accept), activation_alpha = 1 and activation_beta = 0 is silu(gate)·up with gate and up rows
/// interleaved in fc1 (gate at even rows); swiglu_limit is left at its default, no clamping. With block-wise scales
/// (block_size) QMoE multiplies the chosen experts with MatMulNBits' kernels, and accuracy_level 4 sends them down the
/// int8 dot-product path as for the dense int4 layers; at the default level 0 it multiplies in fp32, which decoded
/// about 0.7x as fast on this machine's 2 cores.
/// </remarks>
internal sealed class MoeEmitter(
    OnnxGraph g, SafetensorsCheckpoint checkpoint, QwenConfig config, int layer, ExternalDataWriter data, bool int4, OnnxDataType act)
{
    /// <summary>Columns per QMoE scale.</summary>
    internal const int Int4BlockSize = 32;

    private readonly QwenMoeConfig _moe = config.Moe ?? throw new ArgumentException("not a MoE config", nameof(config));
    private readonly bool _fused = checkpoint.HasFusedExperts;

    // One expert's gate and up weights, reused across experts.
    private float[] _gate = [];
    private float[] _up = [];

    /// <param name="name">Node name prefix.</param>
    /// <param name="input">[batch, sequence, hidden] post-attention-normed hidden states.</param>
    /// <param name="routerLogits">[rows, num_experts] router logits of the same rows.</param>
    public string Emit(string name, string input, string routerLogits)
    {
        var h = config.HiddenSize;
        var width = _moe.MoeIntermediateSize;
        if (int4 && (h % Int4BlockSize != 0 || width % Int4BlockSize != 0))
        {
            throw new ArgumentException(
                $"int4 experts need hidden_size ({h}) and moe_intermediate_size ({width}) to be multiples of {Int4BlockSize} (QMoE's block size).");
        }

        var rowsShape = g.Constant(name + "/experts/shape_rows", OnnxDataType.Int64, [2], [-1L, h]);
        var rows = g.Node("Reshape", [input, rowsShape], name + "/experts/rows");
        var prefix = QwenTensorNames.Layer(layer, "mlp.experts");
        var k = OnnxGraph.Int("k", _moe.TopK);
        var swiglu = new AttributeProto { Name = "activation_type", Type = AttributeProto.Types.AttributeType.String, S = ByteString.CopyFromUtf8("swiglu") };
        AttributeProto[] common = [k, swiglu, OnnxGraph.Int("swiglu_fusion", 1), OnnxGraph.Float("activation_alpha", 1f), OnnxGraph.Float("activation_beta", 0f)];
        string output;
        if (int4)
        {
            var (fc1, fc1Scales) = WriteQuantized(prefix + ".fc1", interleaved: true);
            var (fc2, fc2Scales) = WriteQuantized(prefix + ".fc2", interleaved: false);
            output = g.Node("QMoE", [rows, routerLogits, fc1, fc1Scales, "", fc2, fc2Scales], name + "/experts/QMoE", OnnxGraph.MicrosoftDomain,
                [.. common, OnnxGraph.Int("normalize_routing_weights", 1), OnnxGraph.Int("expert_weight_bits", 4), OnnxGraph.Int("block_size", Int4BlockSize),
                    OnnxGraph.Int("accuracy_level", QwenOnnxBuilder.Int4AccuracyLevel)]);
            if (!_moe.NormTopKProb)
            {
                output = g.Node("Mul", [output, TopKProbabilitySum(name, routerLogits)], name + "/experts/unnormalised");
            }
        }
        else
        {
            var fc1 = WriteFloat(prefix + ".fc1", interleaved: true);
            var fc2 = WriteFloat(prefix + ".fc2", interleaved: false);
            output = g.Node("MoE", [rows, routerLogits, fc1, "", fc2], name + "/experts/MoE", OnnxGraph.MicrosoftDomain,
                [.. common, OnnxGraph.Int("normalize_routing_weights", _moe.NormTopKProb ? 1 : 0)]);
        }

        var shape = g.Node("Shape", [input], name + "/experts/input_shape");
        return g.Node("Reshape", [output, shape], name + "/experts/output");
    }

    /// <summary>Σ of the top-k softmax probabilities per row, [rows, 1], in the router's type.</summary>
    private string TopKProbabilitySum(string name, string routerLogits)
    {
        var probabilities = g.Node("Softmax", [routerLogits], name + "/router/probabilities", "", OnnxGraph.Int("axis", -1));
        var kTensor = g.Constant(name + "/router/k", OnnxDataType.Int64, [1], [(long)_moe.TopK]);
        var top = g.Node("TopK", [probabilities, kTensor], [name + "/router/top_values", name + "/router/top_indices"], "", OnnxGraph.Int("axis", -1));
        var axes = g.Constant(name + "/router/axes_last", OnnxDataType.Int64, [1], [-1L]);
        return g.Node("ReduceSum", [top[0], axes], name + "/router/top_sum", "", OnnxGraph.Int("keepdims", 1));
    }

    /// <summary>
    /// fc1: per expert [2·width, hidden] with gate row j at 2j and up row j at 2j+1; fc2: per expert down_proj
    /// [hidden, width] as stored. Written one expert at a time.
    /// </summary>
    private string WriteFloat(string tensorName, bool interleaved)
    {
        var (rowsPerExpert, columns) = Shape(interleaved);
        var block = new float[rowsPerExpert * columns];
        var half = act == OnnxDataType.Float16 ? new Half[block.Length] : [];
        var offset = data.Begin();
        for (var e = 0; e < _moe.NumExperts; e++)
        {
            ReadExpert(e, interleaved, block);
            if (act == OnnxDataType.Float16)
            {
                TensorPrimitives.ConvertToHalf(block, half);
                data.Append<Half>(half);
            }
            else
            {
                data.Append<float>(block);
            }
        }

        g.Initializer(data.End(tensorName, act, [_moe.NumExperts, rowsPerExpert, columns], offset));
        return tensorName;
    }

    /// <summary>The same layout quantized: packed [E, rows, columns/2] streamed per expert, scales [E, rows, columns/32] after.</summary>
    private (string Weights, string Scales) WriteQuantized(string tensorName, bool interleaved)
    {
        var (rowsPerExpert, columns) = Shape(interleaved);
        var block = new float[rowsPerExpert * columns];
        var packed = new byte[block.Length / 2];
        var blocks = columns / Int4BlockSize;
        var scales = new float[(long)_moe.NumExperts * rowsPerExpert * blocks];
        var offset = data.Begin();
        for (var e = 0; e < _moe.NumExperts; e++)
        {
            ReadExpert(e, interleaved, block);
            Int4SymmetricQuantizer.Quantize(block, rowsPerExpert, columns, Int4BlockSize, packed, scales.AsSpan(e * rowsPerExpert * blocks, rowsPerExpert * blocks));
            data.Append<byte>(packed);
        }

        g.Initializer(data.End(tensorName + ".q4", OnnxDataType.UInt8, [_moe.NumExperts, rowsPerExpert, columns / 2], offset));
        var scaleType = act == OnnxDataType.Float16 ? OnnxDataType.Float16 : OnnxDataType.Float;
        if (scaleType == OnnxDataType.Float16)
        {
            var halfScales = new Half[scales.Length];
            TensorPrimitives.ConvertToHalf(scales, halfScales);
            g.Initializer(data.Write<Half>(tensorName + ".scales", scaleType, [_moe.NumExperts, rowsPerExpert, blocks], halfScales));
        }
        else
        {
            g.Initializer(data.Write<float>(tensorName + ".scales", scaleType, [_moe.NumExperts, rowsPerExpert, blocks], scales));
        }

        return (tensorName + ".q4", tensorName + ".scales");
    }

    private (int Rows, int Columns) Shape(bool fc1) =>
        fc1 ? (2 * _moe.MoeIntermediateSize, config.HiddenSize) : (config.HiddenSize, _moe.MoeIntermediateSize);

    /// <summary>One expert's fc1 (gate and up interleaved by row) or fc2 (down) into <paramref name="destination"/>.</summary>
    private void ReadExpert(int expert, bool fc1, Span<float> destination)
    {
        var width = _moe.MoeIntermediateSize;
        var h = config.HiddenSize;
        var matrix = width * h;
        if (!fc1)
        {
            if (_fused)
            {
                checkpoint.ReadFloat32(QwenTensorNames.FusedExperts(layer, "down_proj"), (long)expert * matrix, destination);
            }
            else
            {
                checkpoint.ReadFloat32(QwenTensorNames.Expert(layer, expert, "down_proj"), destination);
            }

            return;
        }

        if (_gate.Length != matrix)
        {
            (_gate, _up) = (new float[matrix], new float[matrix]);
        }

        var (gate, up) = (_gate, _up);
        if (_fused)
        {
            // gate_up_proj[e] is [2·width, hidden]: the gate rows, then the up rows.
            var name = QwenTensorNames.FusedExperts(layer, "gate_up_proj");
            checkpoint.ReadFloat32(name, (long)expert * 2 * matrix, gate);
            checkpoint.ReadFloat32(name, ((long)expert * 2 * matrix) + matrix, up);
        }
        else
        {
            checkpoint.ReadFloat32(QwenTensorNames.Expert(layer, expert, "gate_proj"), gate);
            checkpoint.ReadFloat32(QwenTensorNames.Expert(layer, expert, "up_proj"), up);
        }

        for (var j = 0; j < width; j++)
        {
            gate.AsSpan(j * h, h).CopyTo(destination.Slice(2 * j * h, h));
            up.AsSpan(j * h, h).CopyTo(destination.Slice(((2 * j) + 1) * h, h));
        }
    }
}
