using System.Buffers.Binary;

namespace Multikernel.Net;

/// <summary>An IPv4 address as a <see cref="uint"/> in host order (169.254.77.1 is 0xA9FE4D01).</summary>
public readonly struct Ipv4Address : IEquatable<Ipv4Address>
{
    public uint Value { get; }

    public Ipv4Address(uint value) => Value = value;
    public Ipv4Address(byte a, byte b, byte c, byte d) => Value = ((uint)a << 24) | ((uint)b << 16) | ((uint)c << 8) | d;

    public static readonly Ipv4Address Any = new(0);
    public static readonly Ipv4Address Broadcast = new(0xFFFF_FFFF);

    /// <summary>169.254.0.0/16 (RFC 3927): never routed off the link.</summary>
    public bool IsLinkLocal => (Value & 0xFFFF_0000) == 0xA9FE_0000;
    public bool IsMulticast => (Value & 0xF000_0000) == 0xE000_0000;
    /// <summary>127.0.0.0/8 (RFC 1122 3.2.1.3): a host's own loopback net, never seen on a wire.</summary>
    public bool IsLoopback => (Value & 0xFF00_0000) == 0x7F00_0000;

    public static Ipv4Address Read(ReadOnlySpan<byte> bytes) => new(BinaryPrimitives.ReadUInt32BigEndian(bytes));
    public void Write(Span<byte> bytes) => BinaryPrimitives.WriteUInt32BigEndian(bytes, Value);

    public static Ipv4Address Parse(string text)
    {
        if (!System.Net.IPAddress.TryParse(text, out var ip) || ip.AddressFamily != System.Net.Sockets.AddressFamily.InterNetwork || text.Split('.').Length != 4)
            throw new FormatException($"'{text}' is not a dotted-quad IPv4 address");
        return FromIPAddress(ip);
    }

    public static Ipv4Address FromIPAddress(System.Net.IPAddress ip)
    {
        if (ip.AddressFamily != System.Net.Sockets.AddressFamily.InterNetwork) throw new ArgumentException($"{ip} is not an IPv4 address", nameof(ip));
        Span<byte> b = stackalloc byte[4];
        ip.TryWriteBytes(b, out _);
        return Read(b);
    }

    public System.Net.IPAddress ToIPAddress()
    {
        Span<byte> b = stackalloc byte[4];
        Write(b);
        return new System.Net.IPAddress(b);
    }

    public override string ToString() => $"{Value >> 24}.{(Value >> 16) & 255}.{(Value >> 8) & 255}.{Value & 255}";

    public bool Equals(Ipv4Address other) => Value == other.Value;
    public override bool Equals(object? obj) => obj is Ipv4Address a && Equals(a);
    public override int GetHashCode() => Value.GetHashCode();
    public static bool operator ==(Ipv4Address a, Ipv4Address b) => a.Value == b.Value;
    public static bool operator !=(Ipv4Address a, Ipv4Address b) => a.Value != b.Value;
}
