namespace QwenRag.Core;

/// <summary>
/// The configured reranker failed while scoring a search's candidates (a runtime error of its model, or an answer that
/// does not fit the candidates). Nothing the caller sent caused it; the request answers 503 with this message.
/// </summary>
public sealed class RerankingFailedException(string message, Exception? innerException = null)
    : Exception(message, innerException);
