namespace Experiments.Tests;

/// <summary>How a run learns its JIT mode: the environment over the runtimeconfig switches over the runtime's defaults.</summary>
public class JitModeTests
{
    static JitMode Read(Dictionary<string, string>? env = null, Dictionary<string, bool>? config = null) =>
        JitMode.Read(name => env?.GetValueOrDefault(name), name => config != null && config.TryGetValue(name, out bool on) ? on : null);

    [Fact]
    public void Without_any_setting_the_runtime_defaults_hold_tiering_with_dynamic_pgo() =>
        Assert.Equal(new JitMode(Tiered: true, DynamicPgo: true), Read());

    [Fact]
    public void A_runtimeconfig_that_turns_tiering_off_also_leaves_no_dynamic_pgo() =>
        Assert.Equal(new JitMode(false, false), Read(config: new() { ["System.Runtime.TieredCompilation"] = false, ["System.Runtime.TieredPGO"] = true }));

    [Fact]
    public void The_environment_overrides_the_runtimeconfig_and_DOTNET_comes_before_COMPlus()
    {
        var tieringOff = new Dictionary<string, bool> { ["System.Runtime.TieredCompilation"] = false };
        Assert.Equal(new JitMode(true, true), Read(env: new() { ["DOTNET_TieredCompilation"] = "1" }, config: tieringOff));
        Assert.Equal(new JitMode(true, true), Read(env: new() { ["COMPlus_TieredCompilation"] = "1" }, config: tieringOff));
        Assert.Equal(new JitMode(false, false), Read(env: new() { ["DOTNET_TieredCompilation"] = "0", ["COMPlus_TieredCompilation"] = "1" }));
        Assert.Equal(new JitMode(true, false), Read(env: new() { ["DOTNET_TieredPGO"] = "0" }));
    }

    [Fact]
    public void An_environment_value_that_is_not_a_number_is_ignored_as_the_runtime_ignores_it() =>
        Assert.Equal(new JitMode(false, false), Read(env: new() { ["DOTNET_TieredCompilation"] = "off" }, config: new() { ["System.Runtime.TieredCompilation"] = false }));

    [Fact]
    public void An_environment_value_is_read_as_the_runtime_reads_it_a_hexadecimal_number_zero_or_not()
    {
        Assert.Equal(new JitMode(false, false), Read(env: new() { ["DOTNET_TieredCompilation"] = "00" }));
        Assert.Equal(new JitMode(true, true), Read(env: new() { ["DOTNET_TieredCompilation"] = "a" }, config: new() { ["System.Runtime.TieredCompilation"] = false }));
    }

    [Fact]
    public void The_note_says_which_mode_ran()
    {
        Assert.Equal("JIT: tiered compilation off: every method is compiled fully optimised at its first call (no tier-0 code, no dynamic PGO)",
            new JitMode(false, false).Describe());
        Assert.StartsWith("JIT: tiered compilation on, with dynamic PGO: ", new JitMode(true, true).Describe(), StringComparison.Ordinal);
        Assert.StartsWith("JIT: tiered compilation on, without dynamic PGO: ", new JitMode(true, false).Describe(), StringComparison.Ordinal);
    }

    [Fact]
    public void The_fig1_program_is_built_without_tiered_compilation()
    {
        // Fig 1 compares its C# with a C twin compiled ahead of time: its runtimeconfig must turn tiering off (see its
        // project file). The program's runtimeconfig is copied beside the test assembly with the program.
        using var config = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Fig1.SharedState.runtimeconfig.json")));
        var tiered = config.RootElement.GetProperty("runtimeOptions").GetProperty("configProperties").GetProperty("System.Runtime.TieredCompilation");
        Assert.Equal(System.Text.Json.JsonValueKind.False, tiered.ValueKind);
    }
}
