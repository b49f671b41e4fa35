namespace QwenRag.Cli.Bench;

/// <summary>One endpoint under concurrent load: successful requests per second and their latency.</summary>
internal sealed record HttpLoadResult(
    string Endpoint,
    int Clients,
    double Seconds,
    int Requests,
    int Errors,
    double RequestsPerSecond,
    double LatencyP50Ms,
    double LatencyP99Ms,
    double LatencyMaxMs,
    string? FirstError);
