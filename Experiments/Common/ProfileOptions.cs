using System.CommandLine;

namespace Experiments.Common;

/// <summary>
/// The --quick and --full flags that choose a run's size profile: "quick", "full", or "default" when neither is
/// given. Both together are refused, with a message describing each profile. The sizes themselves belong to each
/// program; this type only knows their names.
/// </summary>
public sealed class ProfileOptions
{
    readonly Func<string, string> _describe;

    public Option<bool> Quick { get; }
    public Option<bool> Full { get; }

    /// <param name="describe">The size of a profile in words, given its name ("quick", "default" or "full").</param>
    public ProfileOptions(string quickDescription, string fullDescription, Func<string, string> describe)
    {
        _describe = describe;
        Quick = new Option<bool>("--quick") { Description = quickDescription };
        Full = new Option<bool>("--full") { Description = fullDescription };
    }

    /// <summary>Adds the check that refuses --quick with --full to <paramref name="root"/> (which must hold both options).</summary>
    public void AddCheckTo(RootCommand root) => root.Validators.Add(r =>
    {
        if (r.GetValue(Quick) && r.GetValue(Full))
            r.AddError($"--quick and --full cannot be combined: choose one profile (quick: {_describe("quick")}; full: {_describe("full")}; neither: {_describe("default")})");
    });

    /// <summary>The chosen profile's name.</summary>
    public string Chosen(ParseResult pr) => pr.GetValue(Quick) ? "quick" : pr.GetValue(Full) ? "full" : "default";
}
