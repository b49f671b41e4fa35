using Microsoft.ML.OnnxRuntime.Tensors;
using Onnx;

namespace QwenRag.Generation.Onnx;

/// <summary>Facts read from a model.onnx without starting a session (its weights live in the external data file).</summary>
public static class QwenOnnxGraph
{
    /// <summary>The element type of past_key_values.0.key: the activation type of the graph.</summary>
    public static TensorElementType KvElementType(string modelPath)
    {
        var model = Read(modelPath);
        var past = model.Graph.Input.FirstOrDefault(input => input.Name == "past_key_values.0.key")
            ?? throw new InvalidDataException($"{modelPath} has no past_key_values.0.key input; it was not written by QwenRag's builder.");
        return (TensorElementType)past.Type.TensorType.ElemType;
    }

    /// <summary>
    /// The activation type of any graph the builder writes: its KV cache type, or for a
    /// <see cref="QwenGraphKind.HiddenStates"/> graph (no cache) the type of the final norm's weight.
    /// </summary>
    public static TensorElementType ActivationType(string modelPath)
    {
        var model = Read(modelPath);
        var past = model.Graph.Input.FirstOrDefault(input => input.Name == "past_key_values.0.key");
        if (past is not null)
        {
            return (TensorElementType)past.Type.TensorType.ElemType;
        }

        var norm = model.Graph.Initializer.FirstOrDefault(tensor => tensor.Name == "model.norm.weight")
            ?? throw new InvalidDataException($"{modelPath} has no model.norm.weight; it was not written by QwenRag's builder.");
        return (TensorElementType)norm.DataType;
    }

    /// <summary>The value of a metadata entry, or null.</summary>
    public static string? Metadata(string modelPath, string key) =>
        Read(modelPath).MetadataProps.FirstOrDefault(entry => entry.Key == key)?.Value;

    private static ModelProto Read(string modelPath)
    {
        using var file = File.OpenRead(modelPath);
        return ModelProto.Parser.ParseFrom(file);
    }
}
