using Fig1.SharedState;
using Fig3.TlbShootdown;

namespace Experiments.Tests;

/// <summary>
/// The probe of issue 15, kept as a table: every bad command line of the fig1, fig3 and io-webserver programs (bad
/// values, empty values, option-like values, odd and unwritable output paths, a folder that already holds results)
/// exits with 2 and a message naming the option and what is wrong, writes nothing and leaves earlier results alone.
/// </summary>
public class ProgramBadInputTests
{
    static readonly Dictionary<string, (ProgramRun.Entry Run, string Folder)> Programs = new()
    {
        ["fig1"] = (Fig1Cli.Run, Fig1Settings.SharedStateId),
        ["fig3"] = (Fig3Cli.Run, Fig3Settings.ExperimentId),
        ["io"] = (IoCli.Run, IoSettings.ExperimentId),
    };

    /// <summary>Bad inputs every program shares: arguments (OUT = a fresh run folder, FILE = an existing file,
    /// DONE = a run folder whose experiment folder holds results) and a text the error must contain.</summary>
    static readonly (string[] Args, string Mention)[] Shared =
    [
        (["--cores", "", "--out", "OUT"], "--cores: empty list"),
        (["--cores", " ", "--out", "OUT"], "--cores: empty list"),
        (["--cores", "0,", "--out", "OUT"], "--cores: empty element"),
        (["--cores", ",0", "--out", "OUT"], "--cores: empty element"),
        (["--cores", "99999", "--out", "OUT"], "not in this process's affinity mask (allowed cores: "),
        (["--cores", "0-99999999999999999999", "--out", "OUT"], "--cores"),
        (["--cores", "+0", "--out", "OUT"], "not a core number; use a list such as 0-3,8 (allowed cores: "),
        (["--cores", "0x1", "--out", "OUT"], "not a core number"),
        (["--cores", "1-0", "--out", "OUT"], "not a range lo-hi with 0 <= lo <= hi (allowed cores: "),
        (["--cores", "0,0", "--out", "OUT"], "listed twice"),
        (["--cores", "0,00", "--out", "OUT"], "listed twice"),
        (["--cores", "all,0", "--out", "OUT"], "--cores"),
        (["--out", ""], "--out: the run folder must not be empty"),
        (["--out", "   "], "--out: the run folder must not be empty"),
        (["--out=", "--quick"], "looks like an option"),
        (["--out", "--quick"], "looks like an option"),
        (["--out"], "--out"),
        (["--out", "FILE"], "is a file"),
        (["--out", "FILE/sub"], "cannot create or write"),
        (["--out", "/proc/no-such-folder/run"], "cannot create or write"),
        (["--out", "DONE"], "already holds results"),
        (["--quick", "--full", "--out", "OUT"], "--quick and --full cannot be combined"),
        (["--bogus", "--out", "OUT"], "--bogus"),
        (["--repetitions", "0", "--out", "OUT"], "--repetitions: 0 is out of range; allowed: 1 to "),
        (["--repetitions", "1000000000", "--out", "OUT"], "--repetitions: 1000000000 is out of range"),
        (["--repetitions", "-1", "--out", "OUT"], "--repetitions"),
        (["--repetitions", "two", "--out", "OUT"], "--repetitions: 'two' is not a whole number; allowed: 1 to "),
        (["--repetitions", "", "--out", "OUT"], "--repetitions"),
        (["--repetitions", "1e3", "--out", "OUT"], "not a whole number"),
        (["--repetitions", "99999999999", "--out", "OUT"], "not a whole number"),
    ];

    /// <summary>Each program's own options.</summary>
    static readonly (string Program, string[] Args, string Mention)[] Own =
    [
        ("fig1", ["--iterations", "9", "--out", "OUT"], "--iterations: 9 is out of range; allowed: 10 to 100000000"),
        ("fig1", ["--iterations", "many", "--out", "OUT"], "--iterations: 'many' is not a whole number; allowed: 10 to 100000000"),
        ("fig1", ["--window", "0", "--out", "OUT"], "--window: 0 is out of range; allowed: 1 to 12"),
        ("fig1", ["--window", "13", "--out", "OUT"], "--window: 13 is out of range; allowed: 1 to 12"),
        ("fig1", ["--experiment", "fig2", "--out", "OUT"], "--experiment: 'fig2' is not an experiment of this program; allowed: all, fig1-shared-state, urpc-tables"),
        ("fig1", ["--experiment", "", "--out", "OUT"], "--experiment"),
        ("fig1", ["--native", "/no/such/fig1_twin", "--out", "OUT"], "--native: '/no/such/fig1_twin' does not exist; build it with Benchmarks/native/build.sh"),
        ("fig1", ["--native", "DONE", "--out", "OUT"], "' is a folder; give the path of a built fig1_twin"),
        ("fig1", ["--native", "FILE", "--out", "OUT"], "did not run"),
        ("fig3", ["--iterations", "5", "--out", "OUT"], "--iterations: 5 is out of range; allowed: 10 to 10000000"),
        ("fig3", ["--iterations", "lots", "--out", "OUT"], "--iterations: 'lots' is not a whole number; allowed: 10 to 10000000"),
        ("fig3", ["--group", "socket", "--out", "OUT"], "--group: 'socket' is not a grouping; allowed: package, l3, or a whole number"),
        ("fig3", ["--group", "0", "--out", "OUT"], "--group: '0' is not a grouping; allowed: package, l3, or a whole number"),
        ("fig3", ["--group", "", "--out", "OUT"], "--group"),
        ("fig3", ["--mmu", "tlb", "--out", "OUT"], "--mmu: 'tlb' is not allowed; allowed: hardware, modelled, both"),
        ("io", ["--duration", "0", "--out", "OUT"], "--duration"),
        ("io", ["--duration", "NaN", "--out", "OUT"], "--duration"),
        ("io", ["--duration", "1e9", "--out", "OUT"], "--duration"),
        ("io", ["--payload", "0", "--out", "OUT"], "--payload"),
        ("io", ["--payload", "70000", "--out", "OUT"], "--payload"),
        ("io", ["--flows", "0", "--out", "OUT"], "--flows"),
        ("io", ["--window", "65", "--out", "OUT"], "--window"),
        ("io", ["--connections", "0", "--out", "OUT"], "--connections"),
        ("io", ["--only", "tcp", "--out", "OUT"], "--only"),
        ("io", ["--only", "", "--out", "OUT"], "--only"),
        ("io", ["--only", ",", "--out", "OUT"], "--only"),
    ];

    public static TheoryData<string, string[], string> Cases()
    {
        var data = new TheoryData<string, string[], string>();
        foreach (var p in Programs.Keys)
            foreach (var (args, mention) in Shared) data.Add(p, args, mention);
        foreach (var (p, args, mention) in Own) data.Add(p, args, mention);
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void BadInputExitsWith2NamingTheOptionAndWritesNothing(string program, string[] args, string mention)
    {
        var (run, folder) = Programs[program];
        string root = TestCores.TempDir();
        string outDir = Path.Combine(root, "run"), file = Path.Combine(root, "a-file"), done = Path.Combine(root, "done");
        File.WriteAllText(file, "x");
        Directory.CreateDirectory(Path.Combine(done, folder));
        File.WriteAllText(Path.Combine(done, folder, ResultsFile.FileName), "finished results");
        string[] resolved = [.. args.Select(a => a.Replace("OUT", outDir).Replace("FILE", file).Replace("DONE", done))];

        var (exit, _, err) = ProgramRun.Invoke(run, resolved, TestContext.Current.CancellationToken);

        Assert.True(exit == 2, $"{program} {string.Join(' ', args)}: exit {exit}; stderr: {err}");
        Assert.Contains(mention, err);
        Assert.DoesNotContain("   at ", err); // a message, not a stack trace
        Assert.False(Directory.Exists(outDir), $"{program} {string.Join(' ', args)} created {outDir}");
        Assert.False(Directory.Exists(Path.Combine(root, "--quick")), "a folder named after an option was created");
        Assert.Equal("finished results", File.ReadAllText(Path.Combine(done, folder, ResultsFile.FileName)));
        Assert.Equal("x", File.ReadAllText(file));
    }

    [Fact]
    public void LeadingZerosAndSpacesInACoreListAreTheCoreTheyName()
    {
        var allowed = Experiments.Common.CoreList.Allowed();
        int c = allowed[0];
        Assert.Equal([c], Experiments.Common.CoreList.Parse($"0{c}", allowed));
        Assert.Equal([c], Experiments.Common.CoreList.Parse($" {c} ", allowed));
        Assert.Equal(allowed, Experiments.Common.CoreList.Parse("ALL", allowed));
    }
}
