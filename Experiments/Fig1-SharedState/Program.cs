using Experiments.Common;
using Fig1.SharedState;
using Multikernel.CoreProcesses;

// Started by a process-mode boot, this program is one core of the multikernel.
if (CoreProcess.IsRequested(args)) return CoreProcess.Run(args, Fig1CoreProgram.Instance);

// SIGINT (Ctrl-C) or SIGTERM stops the sweep before its next point (finished points stay on disk, meta.json says what is missing);
// a second signal ends the process at once.
return StopSignals.Run("fig1", "point", args, Fig1Cli.Run);
