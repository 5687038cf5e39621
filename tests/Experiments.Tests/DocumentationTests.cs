using System.Text.RegularExpressions;

namespace Experiments.Tests;

/// <summary>
/// Claims of the README, docs/architecture.md and docs/run-all.md that can be checked against the tree: what they
/// list must be what the repository holds, and what they state twice they state the same way. Each test reads files only.
/// </summary>
public partial class DocumentationTests
{
    static string RepoRoot()
    {
        var d = new DirectoryInfo(AppContext.BaseDirectory);
        while (d != null && !File.Exists(Path.Combine(d.FullName, "Repro.sln"))) d = d.Parent;
        return d?.FullName ?? throw new InvalidOperationException("no Repro.sln above " + AppContext.BaseDirectory);
    }

    static string Read(string relative) => File.ReadAllText(Path.Combine(RepoRoot(), relative));

    /// <summary>The README's layout line for <c>Kernel/</c> names every folder of the kernel.</summary>
    [Fact]
    public void ReadmeLayoutNamesEveryKernelFolder()
    {
        string line = Read("README.md").Split('\n').Single(l => l.StartsWith("Kernel/ ", StringComparison.Ordinal));
        var named = line.Split(' ', StringSplitOptions.RemoveEmptyEntries).Where(w => w.EndsWith('/')).Select(w => w.TrimEnd('/')).ToHashSet();
        var folders = Directory.GetDirectories(Path.Combine(RepoRoot(), "Kernel"))
            .Where(d => Directory.EnumerateFiles(d, "*.cs", SearchOption.AllDirectories).Any())
            .Select(Path.GetFileName).Where(n => n is not ("bin" or "obj")).Order().ToArray();
        Assert.NotEmpty(folders);
        var unnamed = folders.Where(f => !named.Contains(f!)).ToArray();
        Assert.True(unnamed.Length == 0, $"README.md's layout line for Kernel/ does not name {string.Join(", ", unnamed)}: {line.Trim()}");
    }

    /// <summary>docs/architecture.md's list of typed-message families (its paragraph "Messages are typed") names every
    /// file that declares messages (a file named *Messages.cs or *Protocol.cs with an <c>IUrpcMessage&lt;T&gt;</c>
    /// record), tests excepted.</summary>
    [Fact]
    public void ArchitectureNamesEveryMessageFamily()
    {
        string root = RepoRoot();
        string doc = Read("docs/architecture.md").Split("\n\n").Single(p => p.StartsWith("Messages are typed", StringComparison.Ordinal));
        var families = new[] { "Kernel", "Experiments", "Benchmarks" }
            .SelectMany(top => Directory.EnumerateFiles(Path.Combine(root, top), "*.cs", SearchOption.AllDirectories))
            .Where(f => !f.Contains("/bin/") && !f.Contains("/obj/"))
            .Where(f => Path.GetFileName(f).EndsWith("Messages.cs", StringComparison.Ordinal) || Path.GetFileName(f).EndsWith("Protocol.cs", StringComparison.Ordinal))
            .Where(f => File.ReadAllText(f).Contains(": IUrpcMessage<", StringComparison.Ordinal))
            .Select(Path.GetFileNameWithoutExtension).Order().ToArray();
        Assert.Contains("MonitorMessages", families);
        var unnamed = families.Where(f => !doc.Contains($"`{f}`", StringComparison.Ordinal)).ToArray();
        Assert.True(unnamed.Length == 0, $"docs/architecture.md paragraph \"Messages are typed\" does not name the message families {string.Join(", ", unnamed)}");
    }

    /// <summary>Every repository path that docs/architecture.md cites in backticks (a path under one of the tree's
    /// top folders, a file or a folder, possibly ending in a wildcard <c>*.cs</c>) exists.</summary>
    [Fact]
    public void ArchitectureCitesOnlyPathsThatExist()
    {
        string root = RepoRoot();
        var cited = CitedPath().Matches(Read("docs/architecture.md")).Select(m => m.Groups[1].Value).Distinct().ToArray();
        Assert.True(cited.Length > 10, $"only {cited.Length} paths found in docs/architecture.md");
        var missing = cited.Where(p =>
        {
            string full = Path.Combine(root, p.TrimEnd('/'));
            if (!p.Contains('*')) return !File.Exists(full) && !Directory.Exists(full);
            string dir = Path.GetDirectoryName(full)!;
            return !Directory.Exists(dir) || Directory.GetFiles(dir, Path.GetFileName(full)).Length == 0;
        }).ToArray();
        Assert.True(missing.Length == 0, $"docs/architecture.md cites paths that do not exist: {string.Join(", ", missing)}");
    }

    /// <summary>
    /// The expected time of each profile is the same in the three places that state it: README.md ("`--quick` (about N
    /// minutes ...)", "default (about N minutes ...)"), docs/run-all.md's table of profiles and run-all.sh's usage text.
    /// </summary>
    [Theory]
    [InlineData("quick", "`--quick` (", "| `--quick` |", "#   --quick ")]
    [InlineData("default", "default (", "| default |", "#   (no profile) ")]
    public void EveryPlaceGivesAProfileTheSameExpectedTime(string profile, string readmeMarker, string docsMarker, string scriptMarker)
    {
        string? Minutes(string file, string marker)
        {
            string text = Read(file);
            int at = text.IndexOf(marker, StringComparison.Ordinal);
            Assert.True(at >= 0, $"{file} does not mention the {profile} profile as '{marker}'");
            int end = text.IndexOf('\n', at);
            var m = AboutMinutes().Match(text[at..(end < 0 ? text.Length : end)]);
            return m.Success ? m.Groups[1].Value : null;
        }
        string? docs = Minutes("docs/run-all.md", docsMarker);
        Assert.NotNull(docs);
        var stated = new[] { ("README.md", Minutes("README.md", readmeMarker)), ("run-all.sh", Minutes("run-all.sh", scriptMarker)) };
        var differing = stated.Where(s => s.Item2 != docs).Select(s => $"{s.Item1}: {(s.Item2 is null ? "no 'about N minutes'" : $"about {s.Item2} minutes")}").ToArray();
        Assert.True(differing.Length == 0, $"docs/run-all.md expects the {profile} profile to take about {docs} minutes, but {string.Join("; ", differing)}");
    }

    [GeneratedRegex(@"`((?:Kernel|Experiments|Benchmarks|Report|Tools|tests|scripts|docs)/[A-Za-z0-9_./*-]*)`")]
    private static partial Regex CitedPath();

    [GeneratedRegex(@"about (\d+(?:\.\d+)?) minutes")]
    private static partial Regex AboutMinutes();
}
