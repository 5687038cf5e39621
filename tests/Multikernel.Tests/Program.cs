
namespace Multikernel.Tests;

/// <summary>
/// The test assembly's entry point. Run by the test runner it runs the tests; started by a process-mode boot it is a
/// core process (the same program with the core entry point, knowing the images and requests of
/// <see cref="TestCoreProgram"/>); with <c>--boot-and-wait</c> it is a boot process for the Ctrl-C and kill tests.
/// </summary>
public static class Program
{
    public static int Main(string[] args)
    {
        if (CoreProcess.IsRequested(args)) return CoreProcess.Run(args, TestCoreProgram.Instance);
        if (args.Length > 0 && args[0] == BootAndWait.Flag) return BootAndWait.Run(args);
        return Xunit.Runner.InProc.SystemConsole.ConsoleRunner.Run(args).GetAwaiter().GetResult();
    }
}
