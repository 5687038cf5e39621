using System.Globalization;

namespace Multikernel.Tests;

/// <summary>
/// A boot process for the lifecycle tests, run as <c>Multikernel.Tests --boot-and-wait CPU,CPU...</c>: boots those
/// cores in process mode, prints "ready PID PID ..." (the core processes), then waits. Ctrl-C (SIGINT) shuts the
/// system down and exits with 130 after printing "stopped"; a kill -9 leaves the core processes to die with it.
/// </summary>
public static class BootAndWait
{
    public const string Flag = "--boot-and-wait";
    public const int Interrupted = 130;

    public static int Run(string[] args)
    {
        if (args.Length != 2) { Console.Error.WriteLine($"usage: {Flag} CPU[,CPU...]"); return 2; }
        var cores = args[1].Split(',').Select(c => int.Parse(c, CultureInfo.InvariantCulture)).ToArray();
        using var stop = new ManualResetEventSlim(false);
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            stop.Set();
        };
        using (var mk = MultikernelSystem.Boot(new MultikernelOptions { Cores = cores, Mode = BootMode.ProcessPerCore, Program = TestCoreProgram.Instance }))
        {
            Console.WriteLine("ready " + string.Join(' ', mk.CoreProcessIds));
            Console.Out.Flush();
            stop.Wait();
            mk.Shutdown();
        }
        Console.WriteLine("stopped");
        return Interrupted;
    }
}
