namespace Multikernel.Urpc;

/// <summary>
/// A binding's name across processes (process mode): the offsets of its two rings in the shared region, their size and
/// the two cores it joins (core indices; -1 for the host). It travels in three message words, so a request or a spawn
/// can hand a binding to the core processes that open its ends (<see cref="CoreProcesses.SharedRegion.OpenBinding"/>);
/// nothing managed crosses.
/// </summary>
public readonly record struct UrpcBindingName(long ToServer, long ToClient, int Slots, int ClientCore, int ServerCore)
{
    /// <summary>The three words: ring offsets, then slots (bits 31..0), client + 1 (bits 47..32), server + 1 (bits 63..48).</summary>
    public (ulong W0, ulong W1, ulong W2) Encode() =>
        ((ulong)ToServer, (ulong)ToClient, (uint)Slots | (ulong)(ushort)(ClientCore + 1) << 32 | (ulong)(ushort)(ServerCore + 1) << 48);

    public static UrpcBindingName Decode(ulong w0, ulong w1, ulong w2) =>
        new((long)w0, (long)w1, (int)(uint)w2, (int)(ushort)(w2 >> 32) - 1, (int)(ushort)(w2 >> 48) - 1);
}
