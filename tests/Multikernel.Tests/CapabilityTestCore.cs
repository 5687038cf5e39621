
namespace Multikernel.Tests;

/// <summary>One core's capability driver over a small physical memory, with a boot CSpace on the first 1 MiB.</summary>
sealed class CapabilityTestCore : IDisposable
{
    public const ulong RamBytes = 1 << 20;
    public readonly PhysicalMemory Memory;
    public readonly CapabilityDriver Driver;
    public readonly CSpace Space;
    public readonly List<(ulong Table, int First, int Count)> Cleared = new();

    public CapabilityTestCore(long memoryBytes = 2 << 20, ulong ramBytes = RamBytes)
    {
        Memory = new PhysicalMemory(memoryBytes);
        Driver = new CapabilityDriver(0, Memory) { UnmapObserver = new Recorder(Cleared) };
        Space = Driver.CreateBootCSpace(0, ramBytes);
    }

    sealed class Recorder(List<(ulong, int, int)> log) : IUnmapObserver
    {
        public void EntriesCleared(ulong tableBase, int firstEntry, int entries) => log.Add((tableBase, firstEntry, entries));
    }

    public static Cptr Slot(int i) => Cptr.Root(i);

    /// <summary>Asserts Ok, naming the error otherwise (allocates nothing when it holds).</summary>
    public static void Ok(CapError e)
    {
        if (e != CapError.Ok) Assert.Fail($"invocation returned {e}, expected Ok");
    }

    /// <summary>Everything an invocation could change: the derivation tree, every slot reachable from the root, the first page tables' words.</summary>
    public string State()
    {
        var sb = new System.Text.StringBuilder();
        foreach (var r in Driver.Snapshot()) sb.Append(r).Append('\n');
        for (int i = 0; i < Space.RootSlots; i++)
        {
            var c = Space[Cptr.Root(i)];
            if (c.IsNull) continue;
            sb.Append(i).Append(": ").Append(c).Append('\n');
            if (c.Type == CapType.CNode)
                for (int j = 0; j < Cptr.L2Slots; j++)
                    if (!Space[Cptr.At(i, j)].IsNull) sb.Append(i).Append('/').Append(j).Append(": ").Append(Space[Cptr.At(i, j)]).Append('\n');
            if (CapTypeRules.IsVNode(c.Type))
            {
                var words = Memory.Frame(c.Base);
                sb.Append(Convert.ToHexString(words)).Append('\n');
            }
        }
        sb.Append("cleared ").Append(Cleared.Count);
        return sb.ToString();
    }

    public void Dispose() => Memory.Dispose();
}
