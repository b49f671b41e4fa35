using Microsoft.ML.OnnxRuntime.Tensors;
using Onnx;

namespace QwenRag.Generation.Onnx;

/// <summary>Facts read from a model.onnx without starting a session (its weights live in the external data file).</summary>
public static class QwenOnnxGraph
{
    /// <summary>The element type of past_key_values.0.key: the activation type of the graph.</summary>
    public static TensorElementType KvElementType(string modelPath)
    {
        ModelProto model;
        using (var file = File.OpenRead(modelPath))
        {
            model = ModelProto.Parser.ParseFrom(file);
        }

        var past = model.Graph.Input.FirstOrDefault(input => input.Name == "past_key_values.0.key")
            ?? throw new InvalidDataException($"{modelPath} has no past_key_values.0.key input; it was not written by QwenRag's builder.");
        return (TensorElementType)past.Type.TensorType.ElemType;
    }
}
