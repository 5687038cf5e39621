using Experiments.Common;
using Fig3.TlbShootdown;
using Multikernel.CoreProcesses;

// Started by a process-mode boot, this program is one core of the multikernel (its own address space and page table).
if (CoreProcess.IsRequested(args)) return CoreProcess.Run(args, Fig3CoreProgram.Instance);

// Ctrl-C stops the sweep before its next point (finished points stay on disk, meta.json says what is missing);
// a second Ctrl-C ends the process at once.
using var cancel = CtrlC.StopsAfterCurrent("fig3", "point");
return Fig3Cli.Run(args, Console.Out, Console.Error, cancel.Token);
