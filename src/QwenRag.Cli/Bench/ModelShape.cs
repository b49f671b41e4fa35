namespace QwenRag.Cli.Bench;

/// <summary>The shape of the model <c>bench generate</c> ran, as QwenRag's runtime reads it.</summary>
internal sealed record ModelShape(
    int Layers, int KvHeads, int HeadDim, int VocabSize, int ContextLength, int WindowCachedLayers, int? LocalWindowSize, int WindowCacheLength);
