namespace QwenRag.Retrieval.Tests.Qdrant;

/// <summary>One call a <see cref="FakeCallInvoker"/> carried: the gRPC method, its request and its deadline.</summary>
internal sealed record RecordedCall(string Method, object Request, DateTime? Deadline);
