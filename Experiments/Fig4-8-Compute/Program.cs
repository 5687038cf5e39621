using Compute.Cli;
using Experiments.Common;

// Ctrl-C stops the sweep after its current point (finished points stay on disk, meta.json says what is missing);
// a second Ctrl-C ends the process at once.
using var cancel = CtrlC.StopsAfterCurrent("compute", "point");
return ComputeCommand.Run(args, Console.Out, Console.Error, cancel.Token);
