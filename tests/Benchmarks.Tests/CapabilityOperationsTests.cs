using Benchmarks.Capabilities;
using Multikernel.Hardware;

namespace Benchmarks.Tests;

/// <summary>The cap-ops measurement runs every operation and rejects bad input (its numbers are not checked here: timings belong in the report).</summary>
public class CapabilityOperationsTests
{
    [Fact]
    public void MeasuresEveryOperationAndReportsAllocatedBytes()
    {
        var text = new StringWriter();
        int cpu = CoreAffinity.AllowedCpus()[0];
        try { Assert.Equal(0, CapabilityOperations.Execute(cpu, rounds: 2, text)); }
        finally { CoreAffinity.UnpinCurrentThread(); } // the measurement pins the test thread
        var lines = text.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        foreach (var op in new[] { "map one 4 KiB frame", "unmap one 4 KiB frame", "copy a frame capability", "delete a copy", "retype RAM -> one 4 KiB frame", "delete a retyped frame" })
            Assert.Contains(lines, l => l.StartsWith(op, StringComparison.Ordinal));
        Assert.Contains("bytes/op", lines[1]);
    }

    [Fact]
    public void ACoreOutsideTheAffinityMaskIsBadInput() => Assert.Equal(2, Program.Main(["cap-ops", "--core", "100000"]));
}
