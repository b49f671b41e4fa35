using Google.Protobuf;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using Onnx;
using QwenRag.Generation.Onnx;
using Xunit.Abstractions;

namespace QwenRag.Generation.Tests;

/// <summary>
/// Pins down what ONNX Runtime 1.31's CPU MoE / QMoE kernels compute, which MoeEmitter relies on: softmax over all
/// experts, top-k, renormalisation as normalize_routing_weights says (QMoE: always), swiglu_fusion 1 with the gate at
/// even fc1 rows and silu(gate)·up for activation_alpha 1, activation_beta 0. Every routing/layout variant is computed
/// by a plain loop; exactly the one the builder assumes must match.
/// </summary>
public sealed class MoeOperatorTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData(0, 2, 0)]
    [InlineData(1, 2, 0)]
    [InlineData(1, 1, 0)]
    [InlineData(0, 2, 1)]
    [InlineData(1, 2, 1)]
    [InlineData(0, 2, 2)]
    [InlineData(1, 2, 2)]
    [InlineData(1, 1, 2)]
    public void KernelMatchesSoftmaxTopKInterleavedSwiGlu(int normalize, int k, int quant)
    {
        const int e = 4, h = 64, inter = 64, rows = 3;
        var random = new Random(3);
        float R() => (float)(random.NextDouble() * 2 - 1);
        var x = Enumerable.Range(0, rows * h).Select(_ => R()).ToArray();
        var router = Enumerable.Range(0, rows * e).Select(_ => R() * 2).ToArray();
        var fc1 = Enumerable.Range(0, e * 2 * inter * h).Select(_ => R()).ToArray();
        var fc2 = Enumerable.Range(0, e * h * inter).Select(_ => R()).ToArray();
        var g = new OnnxGraph();
        g.Input("x", OnnxDataType.Float, rows, h);
        g.Input("r", OnnxDataType.Float, rows, e);
        var block = quant == 2 ? 32 : 0;
        if (quant == 0)
        {
            g.Initializer(ExternalDataWriter.Inline("fc1", OnnxDataType.Float, [e, 2 * inter, h], (ReadOnlySpan<float>)fc1));
            g.Initializer(ExternalDataWriter.Inline("fc2", OnnxDataType.Float, [e, h, inter], (ReadOnlySpan<float>)fc2));
        }
        else
        {
            Quant(g, "fc1", fc1, e * 2 * inter, h, block, [e, 2 * inter]);
            Quant(g, "fc2", fc2, e * h, inter, block, [e, h]);
        }

        List<AttributeProto> extra = quant == 0 ? [] : [OnnxGraph.Int("expert_weight_bits", 4)];
        if (block > 0) { extra.Add(OnnxGraph.Int("block_size", block)); }
        g.Node(quant == 0 ? "MoE" : "QMoE", quant == 0 ? ["x", "r", "fc1", "", "fc2"] : ["x", "r", "fc1", "fc1_s", "", "fc2", "fc2_s"], "y", OnnxGraph.MicrosoftDomain,
            [.. extra, OnnxGraph.Int("k", k), new AttributeProto { Name = "activation_type", Type = AttributeProto.Types.AttributeType.String, S = ByteString.CopyFromUtf8("swiglu") },
            OnnxGraph.Int("normalize_routing_weights", normalize), OnnxGraph.Int("swiglu_fusion", 1),
            OnnxGraph.Float("activation_alpha", 1f), OnnxGraph.Float("activation_beta", 0f)]);
        g.Output("y", OnnxDataType.Float, rows, h);
        var model = new ModelProto { IrVersion = 8, Graph = g.Graph };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = 17 });
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = OnnxGraph.MicrosoftDomain, Version = 1 });
        using var session = new InferenceSession(model.ToByteArray());
        using var result = session.Run([
            NamedOnnxValue.CreateFromTensor("x", new DenseTensor<float>(x, [rows, h])),
            NamedOnnxValue.CreateFromTensor("r", new DenseTensor<float>(router, [rows, e]))]);
        var y = result.First().AsEnumerable<float>().ToArray();
        var matches = new List<string>();
        foreach (var softmax in new[] { false, true })
        {
            foreach (var gateEven in new[] { false, true })
            {
                foreach (var chunked in new[] { false, true })
                {
                    double max = 0;
                    for (var row = 0; row < rows; row++)
                    {
                        var p = router.AsSpan(row * e, e).ToArray();
                        if (softmax)
                        {
                            var m = p.Max();
                            var ex = p.Select(v => Math.Exp(v - m)).ToArray();
                            var s = ex.Sum();
                            p = ex.Select(v => (float)(v / s)).ToArray();
                        }

                        var top = Enumerable.Range(0, e).OrderByDescending(i => p[i]).Take(k).ToArray();
                        var wsum = top.Sum(i => p[i]);
                        var outRow = new double[h];
                        foreach (var ex in top)
                        {
                            var w = normalize == 1 || quant > 0 ? p[ex] / wsum : p[ex];
                            var f1 = new double[2 * inter];
                            for (var o = 0; o < 2 * inter; o++)
                            {
                                for (var i = 0; i < h; i++)
                                {
                                    f1[o] += fc1[(ex * 2 * inter + o) * h + i] * x[row * h + i];
                                }
                            }

                            var act = new double[inter];
                            for (var j = 0; j < inter; j++)
                            {
                                double gate, lin;
                                if (chunked)
                                {
                                    (gate, lin) = gateEven ? (f1[j], f1[inter + j]) : (f1[inter + j], f1[j]);
                                }
                                else
                                {
                                    (gate, lin) = gateEven ? (f1[2 * j], f1[2 * j + 1]) : (f1[2 * j + 1], f1[2 * j]);
                                }

                                act[j] = gate / (1 + Math.Exp(-gate)) * lin;
                            }

                            for (var o = 0; o < h; o++)
                            {
                                double s = 0;
                                for (var j = 0; j < inter; j++)
                                {
                                    s += fc2[(ex * h + o) * inter + j] * act[j];
                                }

                                outRow[o] += w * s;
                            }
                        }

                        for (var o = 0; o < h; o++)
                        {
                            max = Math.Max(max, Math.Abs(outRow[o] - y[row * h + o]));
                        }
                    }

                    var variant = $"softmax {softmax}, gate even {gateEven}, chunked {chunked}";
                    output.WriteLine($"{variant}: {max:E2}");
                    if (max < 1e-4)
                    {
                        matches.Add(variant);
                    }
                }
            }
        }

        // With k = 1 and renormalisation the weight is 1 whether or not a softmax came first.
        string[] expected = k == 1 && normalize == 1
            ? ["softmax False, gate even True, chunked False", "softmax True, gate even True, chunked False"]
            : ["softmax True, gate even True, chunked False"];
        Assert.Equal(expected, matches);
    }

    // Symmetric 4-bit, zero point 8, low nibble first; dequantized values written back into w.
    private static void Quant(OnnxGraph g, string name, float[] w, int rows, int cols, int block, long[] lead)
    {
        var b = block == 0 ? cols : block;
        var blocks = cols / b;
        var packed = new byte[rows * cols / 2];
        var scales = new float[rows * blocks];
        for (var r = 0; r < rows; r++)
        {
            for (var j = 0; j < blocks; j++)
            {
                float max = 0;
                for (var c = j * b; c < (j + 1) * b; c++) { max = Math.Max(max, Math.Abs(w[r * cols + c])); }
                var s = max / 7f;
                scales[r * blocks + j] = s;
                for (var c = j * b; c < (j + 1) * b; c++)
                {
                    var q = (int)Math.Clamp(Math.Round(w[r * cols + c] / s) + 8, 0, 15);
                    w[r * cols + c] = (q - 8) * s;
                    packed[(r * cols + c) / 2] |= (byte)(c % 2 == 0 ? q : q << 4);
                }
            }
        }

        g.Initializer(ExternalDataWriter.Inline(name, OnnxDataType.UInt8, [.. lead, cols / 2], (ReadOnlySpan<byte>)packed));
        g.Initializer(ExternalDataWriter.Inline(name + "_s", OnnxDataType.Float, block == 0 ? lead : [.. lead, blocks], (ReadOnlySpan<float>)scales));
    }
}
