namespace Multikernel.Tests;

/// <summary>A dispatcher whose start upcall throws: spawned on a core, it faults that core's CPU driver.</summary>
sealed class FaultsOnStart() : Dispatcher("faults on start")
{
    protected internal override void OnStart() => throw new InvalidDataException("injected fault");
}
