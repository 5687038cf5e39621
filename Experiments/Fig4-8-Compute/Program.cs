using Compute.Cli;
using Compute.Sweep;
using Experiments.Common;

// Ctrl-C or SIGTERM stops the sweep after its current run, dropping the benchmark and core count that run belongs to
// (finished ones stay on disk, meta.json says what is missing); a second signal ends the process at once.
return StopSignals.Run("compute", ComputeSweep.StopsAfter, args, ComputeCommand.Run);
