namespace Experiments.Common;

/// <summary>The exit codes every experiment program uses.</summary>
public static class ExitCode
{
    /// <summary>Done, and every correctness check passed.</summary>
    public const int Ok = 0;
    /// <summary>A correctness check or a point failed.</summary>
    public const int Failed = 1;
    /// <summary>The command line was refused.</summary>
    public const int BadInput = 2;
    /// <summary>Stopped by SIGINT (Ctrl-C) or SIGTERM before every point was measured (128 + SIGINT).</summary>
    public const int Interrupted = 130;
}
