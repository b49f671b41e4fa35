using System.Text.Json.Serialization;

namespace QwenRag.Retrieval.Qdrant;

[JsonSerializable(typeof(MigrationCheckpoint))]
internal sealed partial class MigrationJsonContext : JsonSerializerContext;
