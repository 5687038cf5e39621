using Fig3.TlbShootdown;

// Ctrl-C stops the sweep before its next point (finished points stay on disk, meta.json says what is missing);
// a second Ctrl-C ends the process at once.
using var cancel = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    if (cancel.IsCancellationRequested) return;
    e.Cancel = true;
    Console.Error.WriteLine("fig3: Ctrl-C: stopping after the current point (press again to abort at once)");
    cancel.Cancel();
};
return Fig3Cli.Run(args, Console.Out, Console.Error, cancel.Token);
