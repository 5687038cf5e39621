using Experiments.Common;
using Fig3.TlbShootdown;

// SIGINT (Ctrl-C) or SIGTERM stops the sweep before its next point (finished points stay on disk, meta.json says what is missing);
// a second signal ends the process at once.
using var stop = StopSignals.StopsAfterCurrent("fig3", "point");
return Fig3Cli.Run(args, Console.Out, Console.Error, stop.Token);
