using System.Diagnostics;

namespace QwenRag.Api.Tests.Telemetry;

/// <summary>
/// A sampled span of the test's own around calls to the API, so that everything the service does for them shares its
/// trace id: the HttpClient sends it as the W3C traceparent and the service continues that trace.
/// </summary>
public sealed class TracedCall : IDisposable
{
    private readonly Activity _root;

    public TracedCall()
    {
        _root = new Activity("telemetry-test");
        _root.SetIdFormat(ActivityIdFormat.W3C);
        _root.ActivityTraceFlags = ActivityTraceFlags.Recorded;
        _root.Start();
    }

    public ActivityTraceId TraceId => _root.TraceId;

    public void Dispose() => _root.Stop();
}
