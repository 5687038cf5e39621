namespace Fig1.SharedState;

/// <summary>
/// The measured loop of a thread-based workload on shared lines (SHMn's plain or atomic increments, the host baseline's
/// increments under a lock): <c>updates</c> updates, each of every one of the <c>lines</c> lines at
/// <c>p[j * SharedLines.WordsPerLine]</c>. Implemented by structs, so <see cref="SharedLinesTimer"/> calls it directly.
/// </summary>
public unsafe interface ISharedLinesUpdate
{
    void Apply(long* p, int lines, int updates);
}
