using IOWebserver;

// Ctrl-C stops the run before its next series (finished series stay on disk, meta.json says what is missing);
// a second Ctrl-C ends the process at once.
using var cancel = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    if (cancel.IsCancellationRequested) return;
    e.Cancel = true;
    Console.Error.WriteLine("io-webserver: Ctrl-C: stopping after the current series (press again to abort at once)");
    cancel.Cancel();
};
return IoCli.Run(args, Console.Out, Console.Error, cancel.Token);
