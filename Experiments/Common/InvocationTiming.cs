namespace Experiments.Common;

/// <summary>One timed local capability invocation: cycles per operation for each round, and bytes allocated over all of them.</summary>
public sealed record InvocationTiming(string Name, double[] CyclesPerOp, long AllocatedBytes, long Operations)
{
    public double AllocatedPerOp => (double)AllocatedBytes / Operations;
}
