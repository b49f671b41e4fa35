using System.Text.Json;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using Onnx;
using QwenRag.Generation.Checkpoints;
using QwenRag.Generation.Onnx;

namespace QwenRag.Generation.Tests;

/// <summary>What the builder writes: graph inputs/outputs, operators, external data, genai_config.json.</summary>
public sealed class GraphStructureTests
{
    private static ModelProto Load(string directory)
    {
        using var file = File.OpenRead(Path.Combine(directory, QwenOnnxBuilder.ModelFileName));
        return ModelProto.Parser.ParseFrom(file);
    }

    [Fact]
    public void GraphFollowsGenAiNamingAndKeepsWeightsOutside()
    {
        var options = new TinyCheckpointOptions
        {
            Architecture = QwenArchitecture.Qwen3,
            Layers = 3,
            Hidden = 64,
            Heads = 4,
            KvHeads = 2,
            Intermediate = 96,
            Vocab = 128,
            SlidingWindow = 8,
            MaxWindowLayers = 1,
            Seed = 2,
        };
        using var fixture = ModelFixture.Create(options);
        var model = Load(fixture.ModelDirectory);
        var graph = model.Graph;

        var inputs = graph.Input.Select(i => i.Name).ToList();
        Assert.Equal(["input_ids", "attention_mask"], inputs.Take(2));
        for (var i = 0; i < 3; i++)
        {
            Assert.Contains($"past_key_values.{i}.key", inputs);
            Assert.Contains($"past_key_values.{i}.value", inputs);
            Assert.Contains($"present.{i}.key", graph.Output.Select(o => o.Name));
            Assert.Contains($"present.{i}.value", graph.Output.Select(o => o.Name));
        }

        Assert.Equal("logits", graph.Output[^1].Name);
        var gqa = graph.Node.Where(n => n.OpType == "GroupQueryAttention").ToList();
        Assert.Equal(3, gqa.Count);
        Assert.All(gqa, n => Assert.Equal(OnnxGraph.MicrosoftDomain, n.Domain));
        Assert.All(gqa, n => Assert.Equal(1, n.Attribute.Single(a => a.Name == "do_rotary").I));
        var windows = gqa.Select(n => n.Attribute.Single(a => a.Name == "local_window_size").I).ToList();
        var config = fixture.Checkpoint.Config;
        Assert.Equal(Enumerable.Range(0, 3).Select(i => config.IsSliding(i) ? 8L : -1L), windows);
        Assert.Contains(windows, w => w == 8);

        // Qwen3's per-head q/k norms run before the attention (2 per layer), plus the first input norm.
        Assert.Equal(1 + (2 * 3), graph.Node.Count(n => n.OpType == "SimplifiedLayerNormalization"));
        Assert.Equal(2 * 3, graph.Node.Count(n => n.OpType == "SkipSimplifiedLayerNormalization"));

        // Every weight lives in model.onnx.data.
        var external = graph.Initializer.Where(t => t.DataLocation == TensorProto.Types.DataLocation.External).ToList();
        Assert.Contains(external, t => t.Name == "model.embed_tokens.weight");
        Assert.All(external, t => Assert.Equal(QwenOnnxBuilder.DataFileName, t.ExternalData.Single(e => e.Key == "location").Value));
        Assert.True(fixture.Build.DataBytes > fixture.Build.ModelBytes);
        Assert.True(fixture.Build.ModelBytes < 200_000);
    }

    [Fact]
    public void GenAiConfigDescribesTheModel()
    {
        var options = new TinyCheckpointOptions
        {
            Architecture = QwenArchitecture.Qwen2,
            Layers = 2,
            Hidden = 64,
            Heads = 4,
            KvHeads = 2,
            Intermediate = 96,
            Vocab = 128,
            Seed = 3,
        };
        using var fixture = ModelFixture.Create(options);
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(fixture.ModelDirectory, QwenOnnxBuilder.GenAiConfigFileName)));
        var model = json.RootElement.GetProperty("model");
        Assert.Equal("qwen2", model.GetProperty("type").GetString());
        Assert.Equal(128, model.GetProperty("vocab_size").GetInt32());
        var decoder = model.GetProperty("decoder");
        Assert.Equal("model.onnx", decoder.GetProperty("filename").GetString());
        Assert.Equal(16, decoder.GetProperty("head_size").GetInt32());
        Assert.Equal(64, decoder.GetProperty("hidden_size").GetInt32());
        Assert.Equal(4, decoder.GetProperty("num_attention_heads").GetInt32());
        Assert.Equal(2, decoder.GetProperty("num_key_value_heads").GetInt32());
        Assert.Equal(2, decoder.GetProperty("num_hidden_layers").GetInt32());
        Assert.Equal("past_key_values.%d.key", decoder.GetProperty("inputs").GetProperty("past_key_names").GetString());
        Assert.Equal("present.%d.value", decoder.GetProperty("outputs").GetProperty("present_value_names").GetString());
        Assert.Equal(fixture.Build.ContextLength, model.GetProperty("context_length").GetInt32());
        Assert.True(json.RootElement.GetProperty("search").GetProperty("past_present_share_buffer").GetBoolean());
        Assert.False(json.RootElement.TryGetProperty("qwenrag_dynamic_rope", out _));
        Assert.True(File.Exists(Path.Combine(fixture.ModelDirectory, "config.json")));
    }

    [Fact]
    public void DynamicRopeMakesTablesInputsAndWarnsGenAi()
    {
        var options = new TinyCheckpointOptions
        {
            Architecture = QwenArchitecture.Qwen2,
            Layers = 1,
            Hidden = 64,
            Heads = 4,
            KvHeads = 2,
            Intermediate = 96,
            Vocab = 128,
            Seed = 4,
            RopeScaling = RopeScaling.None with { Type = RopeType.Dynamic, Factor = 2 },
        };
        using var fixture = ModelFixture.Create(options);
        var graph = Load(fixture.ModelDirectory).Graph;
        Assert.Contains(graph.Input, i => i.Name == QwenOnnxBuilder.CosCacheInput);
        Assert.Contains(graph.Input, i => i.Name == QwenOnnxBuilder.SinCacheInput);
        Assert.DoesNotContain(graph.Initializer, t => t.Name == "cos_cache");
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(fixture.ModelDirectory, QwenOnnxBuilder.GenAiConfigFileName)));
        Assert.True(json.RootElement.TryGetProperty("qwenrag_dynamic_rope", out _));
    }

    private static TinyCheckpointOptions HeadOptions(bool tied) => ModelFixture.Small with { Tied = tied, Seed = 6 };

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Int4QuantizesTheHeadToo(bool tied)
    {
        using var fixture = ModelFixture.Create(HeadOptions(tied), OnnxPrecision.Int4);
        var graph = Load(fixture.ModelDirectory).Graph;
        var config = fixture.Checkpoint.Config;
        Assert.DoesNotContain(graph.Node, n => n.OpType == "Gemm");
        var nbits = graph.Node.Where(n => n.OpType == "MatMulNBits").ToList();
        Assert.Equal((7 * config.NumLayers) + 1, nbits.Count);
        Assert.All(nbits, n => Assert.Equal(OnnxGraph.MicrosoftDomain, n.Domain));
        Assert.All(nbits, n => Assert.Equal(4, n.Attribute.Single(a => a.Name == "accuracy_level").I));
        var head = Assert.Single(nbits, n => n.Output.Single() == "logits");
        Assert.Equal(config.VocabSize, head.Attribute.Single(a => a.Name == "N").I);
        Assert.Equal(config.HiddenSize, head.Attribute.Single(a => a.Name == "K").I);

        // The embedding Gather keeps the full-precision matrix, tied or not.
        var gather = Assert.Single(graph.Node, n => n.OpType == "Gather" && n.Input[1] == "input_ids");
        Assert.Equal("model.embed_tokens.weight", gather.Input[0]);
        Assert.Equal((int)TensorProto.Types.DataType.Float, graph.Initializer.Single(t => t.Name == "model.embed_tokens.weight").DataType);
    }

    [Theory]
    [InlineData(OnnxPrecision.Fp32)]
    [InlineData(OnnxPrecision.Int4)]
    public void LogitsToKeepIsAnInt64ScalarInputDefaultingToZero(OnnxPrecision precision)
    {
        using var fixture = ModelFixture.Create(HeadOptions(tied: true), precision);
        var graph = Load(fixture.ModelDirectory).Graph;
        var input = Assert.Single(graph.Input, i => i.Name == QwenOnnxBuilder.LogitsToKeepInput);
        Assert.Equal((int)TensorProto.Types.DataType.Int64, input.Type.TensorType.ElemType);
        Assert.Empty(input.Type.TensorType.Shape.Dim);
        var initializer = Assert.Single(graph.Initializer, t => t.Name == QwenOnnxBuilder.LogitsToKeepInput);
        Assert.Equal((int)TensorProto.Types.DataType.Int64, initializer.DataType);
        Assert.Empty(initializer.Dims);
        Assert.Equal(0L, InlineInt64(initializer));
        var logits = graph.Output.Single(o => o.Name == "logits");
        Assert.Equal(QwenOnnxBuilder.LogitsLengthDimension, logits.Type.TensorType.Shape.Dim[1].DimParam);

        using var session = new InferenceSession(Path.Combine(fixture.ModelDirectory, QwenOnnxBuilder.ModelFileName));
        var tokens = ModelFixture.Tokens(6, fixture.Checkpoint.Config.VocabSize, 9);
        var unbound = Run(session, fixture.Checkpoint.Config, tokens, logitsToKeep: null);
        Assert.Equal([1, tokens.Length, fixture.Checkpoint.Config.VocabSize], unbound.Shape);
        Assert.Equal(Run(session, fixture.Checkpoint.Config, tokens, logitsToKeep: 0).Values, unbound.Values);
    }

    [Fact]
    public void HiddenStateGraphsHaveNoLogitsToKeep()
    {
        var root = Path.Combine(Path.GetTempPath(), "qwenrag-onnx-" + Guid.NewGuid().ToString("N"));
        try
        {
            TinyCheckpoint.Write(Path.Combine(root, "hf"), HeadOptions(tied: true));
            QwenOnnxBuilder.Build(Path.Combine(root, "hf"), Path.Combine(root, "onnx"), kind: QwenGraphKind.HiddenStates);
            var graph = Load(Path.Combine(root, "onnx")).Graph;
            Assert.DoesNotContain(graph.Input, i => i.Name == QwenOnnxBuilder.LogitsToKeepInput);
            Assert.DoesNotContain(graph.Initializer, t => t.Name == QwenOnnxBuilder.LogitsToKeepInput);
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    [Theory]
    [InlineData(OnnxPrecision.Fp32, false)]
    [InlineData(OnnxPrecision.Fp16, true)]
    [InlineData(OnnxPrecision.Int4, true)]
    public void LogitsToKeepGivesTheLastPositionsOfTheFullOutput(OnnxPrecision precision, bool tied)
    {
        using var fixture = ModelFixture.Create(HeadOptions(tied), precision);
        var config = fixture.Checkpoint.Config;
        using var session = new InferenceSession(Path.Combine(fixture.ModelDirectory, QwenOnnxBuilder.ModelFileName));
        var tokens = ModelFixture.Tokens(7, config.VocabSize, 10);
        var all = Run(session, config, tokens, logitsToKeep: 0);
        Assert.Equal([1, tokens.Length, config.VocabSize], all.Shape);
        foreach (var keep in new[] { 1, 3, tokens.Length, tokens.Length + 5 })
        {
            var kept = Run(session, config, tokens, keep);
            var rows = Math.Min(keep, tokens.Length);
            Assert.Equal([1, rows, config.VocabSize], kept.Shape);
            Assert.Equal(all.Values.AsSpan((tokens.Length - rows) * config.VocabSize).ToArray(), kept.Values);
        }
    }

    private static long InlineInt64(TensorProto tensor) =>
        tensor.Int64Data.Count > 0 ? tensor.Int64Data[0] : BitConverter.ToInt64(tensor.RawData.Span);

    /// <summary>One pass of one row with an empty past, straight through ONNX Runtime; logits_to_keep bound or not.</summary>
    private static (long[] Shape, float[] Values) Run(InferenceSession session, QwenConfig config, int[] tokens, long? logitsToKeep)
    {
        var values = new List<OrtValue>();
        try
        {
            var inputs = new Dictionary<string, OrtValue>(StringComparer.Ordinal)
            {
                ["input_ids"] = Add(values, OrtValue.CreateTensorValueFromMemory(tokens.Select(t => (long)t).ToArray(), [1, tokens.Length])),
                ["attention_mask"] = Add(values, OrtValue.CreateTensorValueFromMemory(Enumerable.Repeat(1L, tokens.Length).ToArray(), [1, tokens.Length])),
            };
            var kvType = session.InputMetadata["past_key_values.0.key"].ElementDataType;
            for (var i = 0; i < config.NumLayers; i++)
            {
                foreach (var part in new[] { "key", "value" })
                {
                    long[] shape = [1, config.NumKvHeads, 0, config.HeadDim];
                    inputs[$"past_key_values.{i}.{part}"] = Add(values, kvType == TensorElementType.Float16
                        ? OrtValue.CreateTensorValueFromMemory(Array.Empty<Float16>(), shape)
                        : OrtValue.CreateTensorValueFromMemory(Array.Empty<float>(), shape));
                }
            }

            if (logitsToKeep is long keep)
            {
                inputs[QwenOnnxBuilder.LogitsToKeepInput] = Add(values, OrtValue.CreateTensorValueFromMemory(new[] { keep }, []));
            }

            using var runOptions = new RunOptions();
            using var outputs = session.Run(runOptions, inputs, ["logits"]);
            var logits = outputs[0];
            return (logits.GetTensorTypeAndShape().Shape, logits.GetTensorDataAsSpan<float>().ToArray());
        }
        finally
        {
            foreach (var value in values)
            {
                value.Dispose();
            }
        }
    }

    private static OrtValue Add(List<OrtValue> owned, OrtValue value)
    {
        owned.Add(value);
        return value;
    }

    [Fact]
    public void Int4QuantizerRoundTripsWithinHalfAStep()
    {
        var random = new Random(5);
        const int n = 3, k = 70;
        var weight = new float[n * k];
        for (var i = 0; i < weight.Length; i++)
        {
            weight[i] = (float)((random.NextDouble() * 2) - 0.7);
        }

        var q = Int4Quantizer.Quantize(weight, n, k, 32);
        Assert.Equal(3, q.BlocksPerRow);
        for (var row = 0; row < n; row++)
        {
            for (var col = 0; col < k; col++)
            {
                var block = col / 32;
                var scale = q.Scales[(row * 3) + block];
                var zpByte = q.ZeroPoints[(row * 2) + (block / 2)];
                var zero = block % 2 == 0 ? zpByte & 0xF : zpByte >> 4;
                var inBlock = col % 32;
                var packed = q.Packed[(row * 3 * 16) + (block * 16) + (inBlock / 2)];
                var value = inBlock % 2 == 0 ? packed & 0xF : packed >> 4;
                var restored = (value - zero) * scale;
                Assert.True(Math.Abs(restored - weight[(row * k) + col]) <= (scale / 2) + 1e-6, $"row {row} col {col}");
            }
        }
    }
}
