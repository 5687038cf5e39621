namespace Compute.Runtimes;

/// <summary>A runtime that counts what its user threads do (<see cref="ThreadActivity"/>); the multikernel's.</summary>
public interface IThreadActivitySource
{
    /// <summary>The counts so far. Read between runs, on the host thread, after the runtime's threads have finished the run.</summary>
    ThreadActivity ReadActivity();
}
