using System.Text.Json.Serialization;

namespace QwenRag.Retrieval.Keywords;

/// <summary>Source-generated JSON for the tag lists stored beside each chunk.</summary>
[JsonSerializable(typeof(IReadOnlyList<string>))]
internal sealed partial class KeywordJsonContext : JsonSerializerContext;
