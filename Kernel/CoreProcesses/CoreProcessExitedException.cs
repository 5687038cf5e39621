namespace Multikernel.CoreProcesses;

/// <summary>A core process of a process-mode system exited when it should not have (killed, crashed, or failed to stop cleanly).</summary>
public sealed class CoreProcessExitedException : Exception
{
    /// <summary>Core index of the process.</summary>
    public int Core { get; }
    /// <summary>The OS CPU it ran on.</summary>
    public int Cpu { get; }
    public int ProcessId { get; }
    /// <summary>Its exit code (128 + n: killed by signal n).</summary>
    public int ExitCode { get; }

    public CoreProcessExitedException(int core, int cpu, int pid, int exitCode, string? lastError, bool duringShutdown)
        : base($"core #{core} (CPU {cpu}, process {pid}) {Describe(exitCode)}{(duringShutdown ? " during shutdown" : " while the system was running")}" +
               (lastError is null ? "" : $"; its last error: {lastError}"))
    {
        Core = core;
        Cpu = cpu;
        ProcessId = pid;
        ExitCode = exitCode;
    }

    static string Describe(int code) => code switch
    {
        > 128 and < 160 => $"was killed by signal {code - 128}{(code - 128 == 9 ? " (SIGKILL)" : code - 128 == 15 ? " (SIGTERM)" : code - 128 == 6 ? " (SIGABRT)" : code - 128 == 11 ? " (SIGSEGV)" : "")}",
        0 => "exited",
        _ => $"exited with code {code}",
    };
}
