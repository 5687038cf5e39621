using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Multikernel.Net.Stack;

/// <summary>
/// The Internet checksum (RFC 1071). Sums are kept in the machine's byte order: the ones'-complement sum does not
/// depend on byte order, so words are added as they lie in memory and the result is stored back as it is.
/// Every piece added before the last must have even length (headers do; only a payload may be odd).
/// </summary>
internal static class Checksum
{
    /// <summary>Adds <paramref name="data"/> to a running sum (64-bit accumulator with end-around carry).</summary>
    public static ulong Add(ulong sum, ReadOnlySpan<byte> data)
    {
        ref byte p = ref MemoryMarshal.GetReference(data);
        int n = data.Length, i = 0;
        for (; i + 8 <= n; i += 8)
        {
            ulong v = Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref p, i));
            sum += v;
            if (sum < v) sum++;
        }
        if (i + 4 <= n)
        {
            ulong v = Unsafe.ReadUnaligned<uint>(ref Unsafe.Add(ref p, i));
            sum += v;
            if (sum < v) sum++;
            i += 4;
        }
        if (i + 2 <= n)
        {
            ulong v = Unsafe.ReadUnaligned<ushort>(ref Unsafe.Add(ref p, i));
            sum += v;
            if (sum < v) sum++;
            i += 2;
        }
        if (i < n)
        {
            // A trailing odd byte is the first (high-order in wire terms) byte of a word padded with zero.
            ulong v = BitConverter.IsLittleEndian ? Unsafe.Add(ref p, i) : (ulong)Unsafe.Add(ref p, i) << 8;
            sum += v;
            if (sum < v) sum++;
        }
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
