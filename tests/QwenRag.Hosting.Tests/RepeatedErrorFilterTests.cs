using QwenRag.Hosting.Worker;

namespace QwenRag.Hosting.Tests;

public sealed class RepeatedErrorFilterTests
{
    private static readonly TimeSpan Interval = TimeSpan.FromMinutes(1);

    [Fact]
    public void ShouldLog_SameErrorWithinInterval_CountedNotLoggedThenReportedWithItsCount()
    {
        var clock = new ManualClock();
        var filter = new RepeatedErrorFilter(Interval, clock);
        var full = new IOException("database or disk is full");

        Assert.True(filter.ShouldLog(full, out var first));
        Assert.False(filter.ShouldLog(new IOException("database or disk is full"), out _));
        clock.Advance(TimeSpan.FromSeconds(30));
        Assert.False(filter.ShouldLog(full, out _));
        clock.Advance(TimeSpan.FromSeconds(31));
        Assert.True(filter.ShouldLog(full, out var held));

        Assert.Equal(0, first);
        Assert.Equal(2, held);
    }

    [Fact]
    public void ShouldLog_DifferentErrors_EachLoggedAtOnce()
    {
        var filter = new RepeatedErrorFilter(Interval, new ManualClock());

        Assert.True(filter.ShouldLog(new IOException("disk full"), out _));
        Assert.True(filter.ShouldLog(new TimeoutException("disk full"), out _));
        Assert.True(filter.ShouldLog(new IOException("database is locked"), out _));
    }

    [Fact]
    public void ShouldLog_FloodOfDistinctErrors_StaysBoundedAndKeepsLogging()
    {
        var filter = new RepeatedErrorFilter(Interval, new ManualClock());

        var logged = Enumerable.Range(0, 10_000).Count(i => filter.ShouldLog(new IOException($"error {i}"), out _));

        Assert.Equal(10_000, logged);
    }

    private sealed class ManualClock : TimeProvider
    {
        private long _ticks;

        public override long TimestampFrequency => TimeSpan.TicksPerSecond;

        public override long GetTimestamp() => _ticks;

        public void Advance(TimeSpan by) => _ticks += by.Ticks;
    }
}
