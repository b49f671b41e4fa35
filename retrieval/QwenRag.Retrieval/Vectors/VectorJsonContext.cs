using System.Text.Json.Serialization;

namespace QwenRag.Retrieval.Vectors;

[JsonSerializable(typeof(string[]))]
internal sealed partial class VectorJsonContext : JsonSerializerContext;
