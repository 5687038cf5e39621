using System.Buffers.Binary;

namespace Multikernel.Net;

/// <summary>A 48-bit Ethernet address, held in the low 48 bits of a <see cref="ulong"/> in wire order (first octet most significant).</summary>
public readonly struct MacAddress : IEquatable<MacAddress>
{
    const ulong Mask = 0xFFFF_FFFF_FFFFUL;

    public ulong Value { get; }

    public MacAddress(ulong value)
    {
        if ((value & ~Mask) != 0) throw new ArgumentOutOfRangeException(nameof(value), $"0x{value:x}", "a MAC address has 48 bits");
        Value = value;
    }

    public static readonly MacAddress Broadcast = new(Mask);
    public static readonly MacAddress Zero = new(0);

    public bool IsBroadcast => Value == Mask;
    /// <summary>The group bit (least significant bit of the first octet): broadcast and multicast.</summary>
    public bool IsGroup => (Value & 0x0100_0000_0000UL) != 0;

    /// <summary>Reads six octets in wire order.</summary>
    public static MacAddress Read(ReadOnlySpan<byte> bytes) =>
        new(((ulong)BinaryPrimitives.ReadUInt16BigEndian(bytes) << 32) | BinaryPrimitives.ReadUInt32BigEndian(bytes[2..]));

    /// <summary>Writes six octets in wire order.</summary>
    public void Write(Span<byte> bytes)
    {
        BinaryPrimitives.WriteUInt16BigEndian(bytes, (ushort)(Value >> 32));
        BinaryPrimitives.WriteUInt32BigEndian(bytes[2..], (uint)Value);
    }

    /// <summary>Parses "02:6d:6b:00:00:01" (colons or dashes); throws <see cref="FormatException"/> naming the text otherwise.</summary>
    public static MacAddress Parse(string text)
    {
        string[] parts = text.Split(':', '-');
        if (parts.Length != 6) throw new FormatException($"'{text}' is not a MAC address (six hex octets separated by ':')");
        ulong v = 0;
        foreach (string p in parts)
        {
            if (p.Length is < 1 or > 2 || !byte.TryParse(p, System.Globalization.NumberStyles.HexNumber, null, out byte b))
                throw new FormatException($"'{text}' is not a MAC address (six hex octets separated by ':')");
            v = (v << 8) | b;
        }
        return new MacAddress(v);
    }

    public override string ToString() =>
        $"{(byte)(Value >> 40):x2}:{(byte)(Value >> 32):x2}:{(byte)(Value >> 24):x2}:{(byte)(Value >> 16):x2}:{(byte)(Value >> 8):x2}:{(byte)Value:x2}";

    public bool Equals(MacAddress other) => Value == other.Value;
    public override bool Equals(object? obj) => obj is MacAddress m && Equals(m);
    public override int GetHashCode() => Value.GetHashCode();
    public static bool operator ==(MacAddress a, MacAddress b) => a.Value == b.Value;
    public static bool operator !=(MacAddress a, MacAddress b) => a.Value != b.Value;
}
