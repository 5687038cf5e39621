using Experiments.Common;

namespace IOWebserver;

/// <summary>One point of the run: a series measured as a whole (server started, warmed up, timed repetitions, stopped).</summary>
public sealed record IoPoint(string Name, double Cost, Func<IReadOnlyList<ResultRow>> Measure);
