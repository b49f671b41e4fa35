namespace QwenRag.Cli.Bench;

internal sealed record HttpBenchResult(string Url, string Set, HttpLoadResult Search, HttpLoadResult Ask, UploadTimingResult? Upload, MixedLoadResult? Mixed = null);
