using Experiments.Common;
using Fig1.SharedState;
using Multikernel.CoreProcesses;

// Started by a process-mode boot, this program is one core of the multikernel.
if (CoreProcess.IsRequested(args)) return CoreProcess.Run(args, Fig1CoreProgram.Instance);

// Ctrl-C stops the sweep before its next point (finished points stay on disk, meta.json says what is missing);
// a second Ctrl-C ends the process at once.
using var cancel = CtrlC.StopsAfterCurrent("fig1", "point");
return Fig1Cli.Run(args, Console.Out, Console.Error, cancel.Token);
