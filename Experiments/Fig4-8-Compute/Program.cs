using Compute.Cli;
using Experiments.Common;

// Ctrl-C or SIGTERM stops the sweep after its current point (finished points stay on disk, meta.json says what is
// missing); a second signal ends the process at once.
return StopSignals.Run("compute", "point", args, ComputeCommand.Run);
