using Fig3.TlbShootdown;
using Multikernel.CoreProcesses;

// Started by a process-mode boot, this program is one core of the multikernel (its own address space and page table).
if (CoreProcess.IsRequested(args)) return CoreProcess.Run(args, Fig3CoreProgram.Instance);

// SIGINT (Ctrl-C) or SIGTERM stops the sweep before its next point (finished points stay on disk, meta.json says what is missing);
// a second signal ends the process at once.
return StopSignals.Run("fig3", "point", args, Fig3Cli.Run);
