namespace Multikernel.Monitor.Agreement;

/// <summary>
/// The change an agreement applies to every participant's replica, in three message words: the table it changes,
/// the kind of change and a 48-bit argument (word 0), and two table-defined words (<see cref="Key"/>,
/// <see cref="Value"/>). What the words mean is the table's business (<see cref="SystemTableUpdates"/>); the protocol
/// only carries them.
/// </summary>
public readonly record struct AgreementUpdate(byte Table, byte Kind, ulong Argument, ulong Key, ulong Value)
{
    public const ulong MaxArgument = (1UL << 48) - 1;

    public ulong Word0 => Table | (ulong)Kind << 8 | (Argument & MaxArgument) << 16;

    public static AgreementUpdate FromWords(ulong w0, ulong key, ulong value) =>
        new((byte)w0, (byte)(w0 >> 8), w0 >> 16, key, value);
}
