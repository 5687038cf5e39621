namespace Experiments.Tests;

/// <summary>A clock for the stall watch's tests: it moves only when a fake wait moves it.</summary>
sealed class FakeClock : TimeProvider
{
    long _ticks;
    public override long TimestampFrequency => TimeSpan.TicksPerSecond;
    public override long GetTimestamp() => _ticks;
    public void Advance(TimeSpan t) => _ticks += t.Ticks;
    public TimeSpan Now => TimeSpan.FromTicks(_ticks);
}
