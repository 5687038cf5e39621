namespace Multikernel.CoreProcesses;

/// <summary>
/// The five words a request, a spawn or a reply carries between the host and a core (what fits in one URPC message
/// beside the request id and the name). Larger data travels in a <see cref="SharedBlock"/> named by its offset.
/// </summary>
public readonly record struct CoreArgs(ulong W0 = 0, ulong W1 = 0, ulong W2 = 0, ulong W3 = 0, ulong W4 = 0)
{
    public const int Words = 5;

    public ulong this[int index] => index switch
    {
        0 => W0,
        1 => W1,
        2 => W2,
        3 => W3,
        4 => W4,
        _ => throw new ArgumentOutOfRangeException(nameof(index), index, $"a request carries words 0..{Words - 1}"),
    };
}
