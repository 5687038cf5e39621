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

    /// <param name="duringBoot">It exited before its CPU driver was up (the boot was waiting for it).</param>
    public CoreProcessExitedException(int core, int cpu, int pid, int exitCode, string? lastError, bool duringShutdown, bool duringBoot = false)
        : base($"core #{core} (CPU {cpu}, process {pid}) {Describe(exitCode, duringBoot && !duringShutdown)}" +
               (duringShutdown ? " during shutdown" : duringBoot ? " during boot, before its CPU driver was up" : " while the system was running") +
               (lastError is null ? "" : $"; its last error: {lastError}"))
    {
        Core = core;
        Cpu = cpu;
        ProcessId = pid;
        ExitCode = exitCode;
    }

    // The codes CoreProcess.Run returns before it has a region to leave an error text in are named here (their detail
    // went to the core process's stderr); a clean exit during boot means the program never ran CoreProcess.Run.
    static string Describe(int code, bool duringBoot) => code switch
    {
        > 128 and < 160 => $"was killed by signal {code - 128}{(code - 128 == 9 ? " (SIGKILL)" : code - 128 == 15 ? " (SIGTERM)" : code - 128 == 6 ? " (SIGABRT)" : code - 128 == 11 ? " (SIGSEGV)" : "")}",
        0 when duringBoot => "exited with code 0 (does the core program's Main return CoreProcess.Run(args, program) when CoreProcess.IsRequested(args)?)",
        0 => "exited",
        CoreProcess.BadArguments => $"exited with code {code} (its command line was not '{CoreProcess.Flag} BOOT-PID REGION-FD CORE-INDEX')",
        CoreProcess.Orphaned => $"exited with code {code} (orphaned: the boot process was no longer its parent when it started)",
        CoreProcess.NoRegion => $"exited with code {code} (it could not open the shared region through /proc/BOOT-PID/fd; its stderr says why)",
        _ => $"exited with code {code}",
    };
}
