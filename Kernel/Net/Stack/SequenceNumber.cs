namespace Multikernel.Net.Stack;

/// <summary>Comparisons of 32-bit TCP sequence numbers modulo 2^32 (RFC 793 3.3): a is before b when (int)(a - b) &lt; 0.</summary>
internal static class SequenceNumber
{
    public static bool Lt(uint a, uint b) => (int)(a - b) < 0;
    public static bool Le(uint a, uint b) => (int)(a - b) <= 0;
    public static bool Gt(uint a, uint b) => (int)(a - b) > 0;
    public static bool Ge(uint a, uint b) => (int)(a - b) >= 0;
    /// <summary>start &lt;= s &lt; start + length.</summary>
    public static bool InWindow(uint s, uint start, int length) => (uint)(s - start) < (uint)length;
    public static uint Max(uint a, uint b) => Gt(a, b) ? a : b;
}
