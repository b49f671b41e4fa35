using System.Net;

namespace QwenRag.SemanticKernel;

/// <summary>
/// A QwenRag request that failed: an unknown set or document, a refused key, a busy model, an invalid input, an
/// unreachable server. Semantic Kernel hands an exception's message to the model as the function's result under
/// automatic function calling, so <see cref="Exception.Message"/> says what happened and what to do next.
/// </summary>
public sealed class QwenRagException : Exception
{
    public QwenRagException(string message, HttpStatusCode? status = null, TimeSpan? retryAfter = null, Exception? innerException = null)
        : base(message, innerException)
    {
        Status = status;
        RetryAfter = retryAfter;
    }

    /// <summary>The HTTP status the failure is (or, in process, would be): 400, 401, 403, 404, 429 …; null for no answer.</summary>
    public HttpStatusCode? Status { get; }

    /// <summary>How long to wait before trying again, for a busy model (429).</summary>
    public TimeSpan? RetryAfter { get; }
}
