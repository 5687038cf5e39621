using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Multikernel.Net.Stack;

/// <summary>
/// The Internet checksum (RFC 1071). Sums are kept in the machine's byte order: the ones'-complement sum does not
/// depend on byte order, so words are added as they lie in memory and the result is stored back as it is.
/// Every piece added before the last must have even length (headers do; only a payload may be odd).
/// <para>Invariant: a sum is never 0 unless every byte added to it was 0 (as with RFC 1071's end-around carry), so
/// <see cref="Fold"/> gives the same representative, 0xFFFF rather than 0, for a non-zero total that is 0 modulo 0xFFFF.</para>
/// </summary>
internal static class Checksum
{
    /// <summary>
    /// Adds <paramref name="data"/> to a running sum. The bytes are summed as 32-bit words into 64-bit lanes (64 bytes
    /// a step, two 256-bit loads, where the machine has such vectors; then 8, 4, 2 and 1), which no carry can leave for a
    /// span below 2^32 words; since 2^16 = 1 modulo 0xFFFF, that total folds to the same 16-bit ones'-complement sum as
    /// RFC 1071's 16-bit words do. It joins <paramref name="sum"/> with an end-around carry.
    /// </summary>
    public static ulong Add(ulong sum, ReadOnlySpan<byte> data)
    {
        ref byte p = ref MemoryMarshal.GetReference(data);
        int n = data.Length, i = 0;
        ulong total = 0;
        if (Vector256.IsHardwareAccelerated && n >= 64)
        {
            // Two accumulators, so that consecutive 32-byte loads do not wait on each other's additions.
            var a = Vector256<ulong>.Zero;
            var b = Vector256<ulong>.Zero;
            for (; i + 64 <= n; i += 64)
            {
                var (al, ah) = Vector256.Widen(Vector256.LoadUnsafe(ref Unsafe.As<byte, uint>(ref Unsafe.Add(ref p, i))));
                var (bl, bh) = Vector256.Widen(Vector256.LoadUnsafe(ref Unsafe.As<byte, uint>(ref Unsafe.Add(ref p, i + 32))));
                a += al + ah;
                b += bl + bh;
            }
            total = Vector256.Sum(a + b);
        }
        for (; i + 8 <= n; i += 8)
        {
            ulong v = Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref p, i));
            total += (uint)v + (v >> 32);
        }
        if (i + 4 <= n)
        {
            total += Unsafe.ReadUnaligned<uint>(ref Unsafe.Add(ref p, i));
            i += 4;
        }
        if (i + 2 <= n)
        {
            total += Unsafe.ReadUnaligned<ushort>(ref Unsafe.Add(ref p, i));
            i += 2;
        }
        // A trailing odd byte is the first (high-order in wire terms) byte of a word padded with zero.
        if (i < n) total += BitConverter.IsLittleEndian ? Unsafe.Add(ref p, i) : (ulong)Unsafe.Add(ref p, i) << 8;
        sum += total;
        if (sum < total) sum++;
        return sum;
    }

    /// <summary>Folds a 64-bit sum to 16 bits (end-around carry).</summary>
    public static ushort Fold(ulong sum)
    {
        sum = (sum & 0xFFFF_FFFF) + (sum >> 32);
        sum = (sum & 0xFFFF_FFFF) + (sum >> 32);
        sum = (sum & 0xFFFF) + (sum >> 16);
        sum = (sum & 0xFFFF) + (sum >> 16);
        return (ushort)sum;
    }

    /// <summary>The value to store (in memory order) in a checksum field, given the sum with that field zero.</summary>
    public static ushort Finish(ulong sum) => (ushort)~Fold(sum);

    /// <summary>True when a sum taken over a header including its checksum field verifies.</summary>
    public static bool Verifies(ulong sum) => Fold(sum) == 0xFFFF;

    /// <summary>The TCP/UDP pseudo-header (source, destination, protocol, length) in memory order.</summary>
    public static ulong PseudoHeader(Ipv4Address source, Ipv4Address destination, byte protocol, int length) =>
        (ulong)Wire32(source.Value) + Wire32(destination.Value) + Wire16(protocol) + Wire16((ushort)length);

    static uint Wire32(uint hostValue) => BitConverter.IsLittleEndian ? BinaryPrimitives.ReverseEndianness(hostValue) : hostValue;
    static ushort Wire16(ushort hostValue) => BitConverter.IsLittleEndian ? BinaryPrimitives.ReverseEndianness(hostValue) : hostValue;

    /// <summary>Stores a finished checksum at <paramref name="field"/> (two bytes).</summary>
    public static void Store(Span<byte> field, ushort value) => Unsafe.WriteUnaligned(ref MemoryMarshal.GetReference(field), value);
}
