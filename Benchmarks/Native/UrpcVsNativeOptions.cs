using Benchmarks.Suite;

namespace Benchmarks.Native;

/// <summary>What <c>urpc-vs-native</c> was asked to do.</summary>
/// <param name="Layouts">Also run the reference built with each of <see cref="NativeReference.LayoutAlignments"/> as gcc's
/// -falign-loops, in every round, and compare C# with each build.</param>
public sealed record UrpcVsNativeOptions(BenchmarkCores Cores, int Samples, int Rounds, string? NativePath, string? OutDir, bool Check, bool Mixed = false, bool Layouts = false);
