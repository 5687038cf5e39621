namespace Npb;

public static class ProblemClasses
{
    /// <summary>Parses "S", "W", "A" or "B" (case-insensitive).</summary>
    public static bool TryParse(string? text, out ProblemClass cls)
    {
        cls = default;
        if (text is null || text.Trim().Length != 1) return false;
        switch (char.ToUpperInvariant(text.Trim()[0]))
        {
            case 'S': cls = ProblemClass.S; return true;
            case 'W': cls = ProblemClass.W; return true;
            case 'A': cls = ProblemClass.A; return true;
            case 'B': cls = ProblemClass.B; return true;
            default: return false;
        }
    }
}
