using System.Globalization;

namespace Experiments.Common;

/// <summary>How a <see cref="JitWarmUp"/> ended: its rounds, the methods the JIT compiled meanwhile, and whether the last round compiled none.</summary>
public readonly record struct JitWarmUpResult(int Rounds, long MethodsCompiled, bool Settled, TimeSpan Elapsed)
{
    /// <summary>The run's note, e.g. "JIT warm-up of MSG (kernel path): 3 untimed runs, 412 methods compiled, settled (the last run compiled none), 0.6 s".</summary>
    public string Describe(string kind)
    {
        string end = Settled ? "settled (the last run compiled none)" : $"NOT settled after {JitWarmUp.MaxRounds} runs (points of this kind may include recompilation)";
        return string.Create(CultureInfo.InvariantCulture, $"JIT warm-up of {kind}: {Rounds} untimed run(s), {MethodsCompiled} methods compiled, {end}, {Elapsed.TotalSeconds:0.0} s");
    }
}
