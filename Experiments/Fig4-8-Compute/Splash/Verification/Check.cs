namespace Splash.Verification;

/// <summary>One verification check of a run: what was compared, whether it held, and the numbers behind it.</summary>
public sealed record Check(string Name, bool Passed, string Detail)
{
    public override string ToString() => $"{Name} {(Passed ? "pass" : "FAIL")} ({Detail})";
}
