namespace Multikernel.Threads;

/// <summary>
/// The dispatcher a <see cref="Scheduler"/> runs on, as the threads package sees it: its place among the
/// dispatchers of its domain and the two messages the package sends to another one. Implemented by the domain layer
/// (<c>Kernel/Domains</c>), which the threads package does not reference: the package is below domains, as
/// Barrelfish's <c>threads.c</c> is below its domain code.
/// <para>Contract: every member is used only on this dispatcher's core thread.</para>
/// </summary>
public interface IThreadDispatcher
{
    /// <summary>This dispatcher's index within its domain.</summary>
    int Index { get; }

    /// <summary>How many dispatchers the domain has (indices 0..count-1).</summary>
    int DispatcherCount { get; }

    /// <summary>True when <paramref name="other"/> belongs to the same domain (shares this address space).</summary>
    bool SameDomainAs(IThreadDispatcher other);

    /// <summary>Sends dispatcher <paramref name="to"/> a wake-up for its thread in scheduler slot <paramref name="slot"/>.</summary>
    void SendWake(int to, int slot);

    /// <summary>Sends dispatcher <paramref name="to"/> a new thread to adopt and start.</summary>
    void SendSpawn(int to, UThread thread);

    /// <summary>Debug-build check that the caller runs on this dispatcher's core thread.</summary>
    void AssertOnCore();
}
