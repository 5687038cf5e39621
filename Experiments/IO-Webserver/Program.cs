using Experiments.Common;
using IOWebserver;

// Child-process role: the Kestrel baseline runs in its own process so that taskset can pin it to the server cores.
if (args.Length > 0 && args[0] == KestrelBaseline.ChildVerb)
    return KestrelBaseline.ServeChild(args[1..]);

// SIGINT (Ctrl-C) or SIGTERM stops the run before its next series (finished series stay on disk, meta.json says what is missing);
// a second signal ends the process at once.
return StopSignals.Run("io-webserver", "series", args, IoCli.Run);
