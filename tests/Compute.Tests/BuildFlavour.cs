namespace Compute.Tests;

/// <summary>Whether these tests (and the code under test, built with them) are a Debug build.</summary>
static class BuildFlavour
{
#if DEBUG
    public const bool IsDebug = true;
#else
    public const bool IsDebug = false;
#endif

    /// <summary>Why an allocation check of code with async methods runs only in Release.</summary>
    public const string AsyncAllocatesInDebug =
        "allocation-free only in a Release build: a Debug build compiles async methods to heap-allocated state machines (run the tests in Release, as run-tests.sh does)";
}
