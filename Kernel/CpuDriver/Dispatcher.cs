using System.Diagnostics;
using System.Runtime.CompilerServices;
using Multikernel.Urpc;

namespace Multikernel.CpuDriver;

/// <summary>
/// A dispatcher: the unit a CPU driver schedules, as in Barrelfish, one per domain per core. The CPU driver makes
/// upcalls into it: <see cref="OnStart"/> once, then repeatedly <see cref="Run"/>; messages for it arrive through
/// its <see cref="Waitset"/>, which the driver polls before each run upcall.
/// <para>Invariant: every member is used only on the owning core's thread (checked in Debug builds by
/// <see cref="AssertOnCore"/>). Another core reaches a dispatcher only by URPC.</para>
/// </summary>
public abstract class Dispatcher
{
    CpuDriverThread? _driver;
    Waitset? _waitset;

    public string Name { get; }
    public DispatcherId Id { get; private set; }

    protected Dispatcher(string name) => Name = name;

    /// <summary>The CPU driver of the core this dispatcher runs on; set when the driver adopts it.</summary>
    public CpuDriverThread Driver => _driver ?? throw NotAdopted();

    /// <summary>The channels this dispatcher receives on; all share the core's notifier.
    /// The getter inlines (its throw is out of line): the CPU driver reads it on every visit of every round.</summary>
    public Waitset Waitset => _waitset ?? throw NotAdopted();

    [MethodImpl(MethodImplOptions.NoInlining)]
    InvalidOperationException NotAdopted() => new($"{Name} has not been adopted by a CPU driver yet");

    public bool IsAdopted => _driver != null;

    /// <summary>
    /// Set by the CPU driver after a visit that handled nothing while the dispatcher reported no local work: it waits on
    /// its waitset, and the driver may visit it less often while another dispatcher of the core is runnable. Core-local.
    /// </summary>
    internal bool Blocked;

    /// <summary>This dispatcher's index in its CPU driver's table (-1 while in none). Core-local, kept by the driver.</summary>
    internal int TableIndex = -1;

    internal void Attach(CpuDriverThread driver, int slot)
    {
        if (_driver != null) throw new InvalidOperationException($"{Name} already runs on core {_driver.Core}");
        _driver = driver;
        _waitset = new Waitset(driver.Notifier);
        Id = new DispatcherId(driver.CoreIndex, slot);
    }

    /// <summary>Upcall: the dispatcher runs for the first time on its core.</summary>
    protected internal virtual void OnStart() { }

    /// <summary>Upcall: run for a while (handle local work). Returns true if it made progress.</summary>
    protected internal virtual bool Run() => false;

    /// <summary>True when the dispatcher has local work that needs no message (e.g. runnable threads); keeps the core from sleeping.</summary>
    protected internal virtual bool HasLocalWork => false;

    /// <summary>
    /// Cycle-counter time by which the dispatcher needs a run upcall even if no message arrives (a protocol timer);
    /// ulong.MaxValue: none. An idle core never sleeps past the earliest one; <see cref="HasLocalWork"/> should report
    /// work once it has passed.
    /// </summary>
    protected internal virtual ulong WakeAt => ulong.MaxValue;

    /// <summary>Upcall: the core is shutting down, or its CPU driver has stopped on an unhandled exception (<see cref="CpuDriverThread.Fault"/>); no upcall follows.</summary>
    protected internal virtual void OnStop() { }

    /// <summary>Debug-build check that the caller runs on this dispatcher's core thread.</summary>
    [Conditional("DEBUG")]
    public void AssertOnCore()
    {
        if (_driver != null && !_driver.IsCurrentThread)
            throw new InvalidOperationException($"{Name} (core {_driver.Core}) touched from another thread: core-local state is reachable only through its owner");
    }
}
