using System.Globalization;

namespace Experiments.Common;

/// <summary>
/// How this process's JIT compiles: with tiered compilation (a method starts as unoptimised tier-0 code and is
/// recompiled optimised once hot, with dynamic PGO where that is on) or without it (every method compiled fully
/// optimised at its first call, no PGO). A program chooses in its project file (<c>TieredCompilation</c>,
/// <c>TieredPGO</c>, carried into its runtimeconfig.json); the <c>DOTNET_</c> (or older <c>COMPlus_</c>) environment
/// variables of the same name override that, as the runtime itself reads them. Every run records the result as a
/// note in its meta.json (<see cref="SweepRunner"/>), so that numbers from two runs are compared knowing how their
/// code was compiled.
/// </summary>
public readonly record struct JitMode(bool Tiered, bool DynamicPgo)
{
    /// <summary>This process's mode.</summary>
    public static JitMode Current { get; } = Read(Environment.GetEnvironmentVariable, name => AppContext.TryGetSwitch(name, out bool on) ? on : null);

    /// <summary>
    /// The mode from the environment (<paramref name="variable"/>) and the runtimeconfig switches
    /// (<paramref name="configSwitch"/>: null where not set); the runtime's defaults (both on) otherwise.
    /// </summary>
    public static JitMode Read(Func<string, string?> variable, Func<string, bool?> configSwitch)
    {
        bool tiered = Setting("TieredCompilation", "System.Runtime.TieredCompilation", variable, configSwitch);
        bool pgo = Setting("TieredPGO", "System.Runtime.TieredPGO", variable, configSwitch);
        return new JitMode(tiered, tiered && pgo); // dynamic PGO instruments tier-0 code: there is none without tiering
    }

    static bool Setting(string knob, string configName, Func<string, string?> variable, Func<string, bool?> configSwitch)
    {
        // The runtime reads DOTNET_ first, then COMPlus_, as a hexadecimal number: 0 turns a knob off, any other number
        // on; a value that is not a number is ignored.
        foreach (var prefix in new[] { "DOTNET_", "COMPlus_" })
            if (uint.TryParse(variable(prefix + knob)?.Trim(), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out uint value))
                return value != 0;
        return configSwitch(configName) ?? true;
    }

    /// <summary>The run's note, e.g. "JIT: tiered compilation off: every method is compiled fully optimised at its first call (no tier-0 code, no dynamic PGO)".</summary>
    public string Describe() => Tiered
        ? $"JIT: tiered compilation on{(DynamicPgo ? ", with dynamic PGO" : ", without dynamic PGO")}: methods start as unoptimised tier-0 code and are recompiled optimised once hot"
        : "JIT: tiered compilation off: every method is compiled fully optimised at its first call (no tier-0 code, no dynamic PGO)";
}
