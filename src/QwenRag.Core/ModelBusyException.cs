namespace QwenRag.Core;

/// <summary>
/// The answering model is generating and as many requests as allowed are already waiting for it: the request is
/// refused at once rather than queued without bound. Retrying a moment later is the remedy.
/// </summary>
public sealed class ModelBusyException(int running, int waiting) : Exception(
    $"The model is busy: {running} {(running == 1 ? "generation is" : "generations are")} running and {waiting} " +
    $"{(waiting == 1 ? "request is" : "requests are")} waiting, the most allowed. Retry in a moment.")
{
    /// <summary>Generations running when the request was refused.</summary>
    public int Running { get; } = running;

    /// <summary>Requests waiting when the request was refused.</summary>
    public int Waiting { get; } = waiting;
}
