
namespace Multikernel.Tests;

/// <summary>One multikernel booted on every allowed core, shared by the tests of a class (booting per case would dominate).</summary>
public sealed class BootedSystem : IDisposable
{
    public MultikernelSystem System { get; } = MultikernelSystem.Boot(new MultikernelOptions { WaitPolicy = new Multikernel.Urpc.WaitPolicy(20_000) });

    public int Cores => System.CoreCount;

    /// <summary>A domain over the first <paramref name="dispatchers"/> cores (all when null).</summary>
    public Domain NewDomain(int? dispatchers = null, DomainOptions? options = null) =>
        Wait(Domain.CreateAsync(System, Enumerable.Range(0, dispatchers ?? Cores).ToArray(), options));

    public void Dispose() => System.Dispose();

    /// <summary>Blocks the host (a test thread, outside the system) on a task, failing instead of hanging.</summary>
    /// <remarks>Rethrows the task's own exception, not an AggregateException.</remarks>
    public static T Wait<T>(Task<T> task, int seconds = 60)
    {
        Wait((Task)task, seconds);
        return task.GetAwaiter().GetResult();
    }

    public static void Wait(Task task, int seconds = 60)
    {
        if (!((IAsyncResult)task).AsyncWaitHandle.WaitOne(TimeSpan.FromSeconds(seconds)))
            throw new TimeoutException($"the domain did not answer within {seconds} s (a lost wake-up or a deadlock)");
        task.GetAwaiter().GetResult();
    }
}

/// <summary>Where code runs: the OS CPU and whether it is the expected dispatcher's core thread.</summary>
static class Where
{
    public static bool OnCoreOf(DomainDispatcher d) =>
        d.Driver.IsCurrentThread && CoreAffinity.CurrentCpu() == d.Driver.Core;
}
