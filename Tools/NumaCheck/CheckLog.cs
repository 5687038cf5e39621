namespace NumaCheck;

/// <summary>
/// The verdicts of one run: one line a check, "PASS name: detail" or "FAIL name: detail", printed and (if a file is
/// given) appended to it, the format scripts/numa-vm/guest-check.sh collects.
/// </summary>
public sealed class CheckLog(string? file)
{
    readonly List<(bool Passed, string Name, string Detail)> _checks = new();

    public IReadOnlyList<(bool Passed, string Name, string Detail)> Checks => _checks;
    public int Failed => _checks.Count(c => !c.Passed);

    public void Record(string name, bool passed, string detail)
    {
        _checks.Add((passed, name, detail));
        string line = $"{(passed ? "PASS" : "FAIL")} {name}: {detail}";
        Console.WriteLine("CHECK " + line);
        if (file != null) File.AppendAllText(file, line + "\n");
    }

    /// <summary>Runs <paramref name="check"/>; an exception is that check's failure, never the end of the run.</summary>
    public void Run(string name, Func<(bool Passed, string Detail)> check)
    {
        try
        {
            var (passed, detail) = check();
            Record(name, passed, detail);
        }
        catch (Exception e)
        {
            Record(name, false, $"{e.GetType().Name}: {e.Message}");
        }
    }
}
