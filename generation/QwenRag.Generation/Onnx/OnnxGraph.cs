using Onnx;

namespace QwenRag.Generation.Onnx;

/// <summary>Small helpers for assembling a <see cref="GraphProto"/> node by node.</summary>
internal sealed class OnnxGraph
{
    public const string MicrosoftDomain = "com.microsoft";
    private readonly Dictionary<string, int> _counters = new(StringComparer.Ordinal);

    public GraphProto Graph { get; } = new() { Name = "qwen" };

    public string Unique(string prefix)
    {
        _counters.TryGetValue(prefix, out var n);
        _counters[prefix] = n + 1;
        return n == 0 ? prefix : $"{prefix}_{n}";
    }

    public string Node(string opType, IReadOnlyList<string> inputs, string output, string domain = "", params AttributeProto[] attributes)
        => Node(opType, inputs, [output], domain, attributes)[0];

    public IReadOnlyList<string> Node(string opType, IReadOnlyList<string> inputs, IReadOnlyList<string> outputs, string domain = "", params AttributeProto[] attributes)
    {
        var node = new NodeProto { OpType = opType, Name = Unique("/" + opType + "/" + outputs[0]), Domain = domain };
        node.Input.AddRange(inputs);
        node.Output.AddRange(outputs);
        node.Attribute.AddRange(attributes);
        Graph.Node.Add(node);
        return outputs;
    }

    public void Initializer(TensorProto tensor) => Graph.Initializer.Add(tensor);

    public string Constant(string name, OnnxDataType type, long[] dims, ReadOnlySpan<long> values)
    {
        Graph.Initializer.Add(ExternalDataWriter.Inline(name, type, dims, values));
        return name;
    }

    public string Constant(string name, OnnxDataType type, long[] dims, ReadOnlySpan<int> values)
    {
        Graph.Initializer.Add(ExternalDataWriter.Inline(name, type, dims, values));
        return name;
    }

    public void Input(string name, OnnxDataType type, params object[] dims) => Graph.Input.Add(ValueInfo(name, type, dims));

    public void Output(string name, OnnxDataType type, params object[] dims) => Graph.Output.Add(ValueInfo(name, type, dims));

    public static ValueInfoProto ValueInfo(string name, OnnxDataType type, object[] dims)
    {
        var shape = new TensorShapeProto();
        foreach (var dim in dims)
        {
            shape.Dim.Add(dim switch
            {
                string param => new TensorShapeProto.Types.Dimension { DimParam = param },
                int value => new TensorShapeProto.Types.Dimension { DimValue = value },
                long value => new TensorShapeProto.Types.Dimension { DimValue = value },
                _ => throw new ArgumentException($"Unsupported dimension {dim}."),
            });
        }

        return new ValueInfoProto
        {
            Name = name,
            Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)type, Shape = shape } },
        };
    }

    public static AttributeProto Int(string name, long value)
        => new() { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = value };

    public static AttributeProto Float(string name, float value)
        => new() { Name = name, Type = AttributeProto.Types.AttributeType.Float, F = value };

    public static AttributeProto Ints(string name, params long[] values)
    {
        var attribute = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Ints };
        attribute.Ints.AddRange(values);
        return attribute;
    }
}
