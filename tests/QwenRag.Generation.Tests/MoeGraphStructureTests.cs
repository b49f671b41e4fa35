using Onnx;
using QwenRag.Generation.Checkpoints;
using QwenRag.Generation.Onnx;

namespace QwenRag.Generation.Tests;

/// <summary>Which operators a MoE build uses, and where.</summary>
public sealed class MoeGraphStructureTests
{
    [Theory]
    [InlineData(OnnxPrecision.Fp32, "MoE")]
    [InlineData(OnnxPrecision.Fp16, "MoE")]
    [InlineData(OnnxPrecision.Int4, "QMoE")]
    public void SparseLayersGetOneExpertNodeAndDenseLayersTheMlp(OnnxPrecision precision, string op)
    {
        var options = MoeModelTests.Moe(QwenArchitecture.Qwen2) with { Layers = 4, DecoderSparseStep = 2, MlpOnlyLayers = [3] };
        using var fixture = ModelFixture.Create(options, precision);
        using var file = File.OpenRead(Path.Combine(fixture.ModelDirectory, QwenOnnxBuilder.ModelFileName));
        var graph = ModelProto.Parser.ParseFrom(file).Graph;

        // Only layer 1 is sparse: (i + 1) % 2 == 0 leaves 1 and 3, and 3 is in mlp_only_layers.
        var experts = graph.Node.Where(n => n.OpType == op).ToList();
        var node = Assert.Single(experts);
        Assert.StartsWith("/model/layers.1/mlp/", node.Output[0], StringComparison.Ordinal);
        Assert.Equal(OnnxGraph.MicrosoftDomain, node.Domain);
        Assert.Equal(options.ExpertsPerToken, node.Attribute.Single(a => a.Name == "k").I);
        Assert.Equal("swiglu", node.Attribute.Single(a => a.Name == "activation_type").S.ToStringUtf8());
        Assert.Equal(1, node.Attribute.Single(a => a.Name == "swiglu_fusion").I);
        if (precision == OnnxPrecision.Int4)
        {
            // Block-wise scales and accuracy_level 4 put QMoE on MatMulNBits' int8 dot-product kernels.
            Assert.Equal(MoeEmitter.Int4BlockSize, node.Attribute.Single(a => a.Name == "block_size").I);
            Assert.Equal(4, node.Attribute.Single(a => a.Name == "accuracy_level").I);
        }

        // The router stays a full-precision MatMul in every build; the shared expert is gated by a sigmoid.
        Assert.Contains(graph.Node, n => n.OpType == "MatMul" && n.Output[0] == "/model/layers.1/mlp/router/logits");
        Assert.Contains(graph.Node, n => n.OpType == "Sigmoid" && n.Output[0] == "/model/layers.1/mlp/shared_expert_gate/sigmoid");
        foreach (var dense in new[] { 0, 2, 3 })
        {
            Assert.Contains(graph.Node, n => n.Output[0] == $"/model/layers.{dense}/mlp/gate_times_up");
            Assert.DoesNotContain(graph.Node, n => n.Output[0].StartsWith($"/model/layers.{dense}/mlp/experts", StringComparison.Ordinal));
        }

        var fc1 = graph.Initializer.Single(t => t.Name == (precision == OnnxPrecision.Int4 ? "model.layers.1.mlp.experts.fc1.q4" : "model.layers.1.mlp.experts.fc1"));
        long[] expected = precision == OnnxPrecision.Int4
            ? [options.Experts, 2 * options.MoeIntermediate, options.Hidden / 2]
            : [options.Experts, 2 * options.MoeIntermediate, options.Hidden];
        Assert.Equal(expected, fc1.Dims);
    }

    [Fact]
    public void Int4WithoutNormTopKProbScalesQMoeBackByTheTopKSum()
    {
        using var fixture = ModelFixture.Create(MoeModelTests.Moe(QwenArchitecture.Qwen3) with { NormTopKProb = false }, OnnxPrecision.Int4);
        using var file = File.OpenRead(Path.Combine(fixture.ModelDirectory, QwenOnnxBuilder.ModelFileName));
        var graph = ModelProto.Parser.ParseFrom(file).Graph;

        Assert.All(graph.Node.Where(n => n.OpType == "QMoE"), n => Assert.Equal(1, n.Attribute.Single(a => a.Name == "normalize_routing_weights").I));
        Assert.Equal(graph.Node.Count(n => n.OpType == "QMoE"), graph.Node.Count(n => n.OpType == "TopK"));
    }
}
