namespace Experiments.Common;

/// <summary>
/// Ctrl-C for a sweep program: the first press cancels the returned source (the sweep stops before its next point,
/// finished points stay on disk, meta.json says what is missing); a second press ends the process at once.
/// </summary>
public static class CtrlC
{
    /// <param name="program">The program's name as its messages start, e.g. "fig1".</param>
    /// <param name="unit">What the sweep finishes before stopping, e.g. "point" or "series".</param>
    public static CancellationTokenSource StopsAfterCurrent(string program, string unit)
    {
        var cancel = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            if (cancel.IsCancellationRequested) return;
            e.Cancel = true;
            Console.Error.WriteLine($"{program}: Ctrl-C: stopping after the current {unit} (press again to abort at once)");
            cancel.Cancel();
        };
        return cancel;
    }
}
