
namespace Multikernel.Tests.Net;

public class ChecksumTests
{
    [Fact]
    public void Rfc1071ExampleSumsTo0xDDF2()
    {
        // RFC 1071 section 3: the words 0001 f203 f4f5 f6f7 sum to ddf2 (ones' complement, before inversion).
        byte[] data = [0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7];
        ushort folded = Checksum.Fold(Checksum.Add(0, data));
        Span<byte> wire = stackalloc byte[2];
        Checksum.Store(wire, folded);
        Assert.Equal(new byte[] { 0xdd, 0xf2 }, wire.ToArray());
    }

    [Fact]
    public void KnownIpv4HeaderGetsItsPublishedChecksum()
    {
        // A widely quoted example header (192.168.0.1 -> 192.168.0.199, UDP, total length 0x73) whose checksum is b861.
        byte[] header = Convert.FromHexString("450000730000400040110000c0a80001c0a800c7");
        Span<byte> field = stackalloc byte[2];
        Checksum.Store(field, Checksum.Finish(Checksum.Add(0, header)));
        Assert.Equal(new byte[] { 0xb8, 0x61 }, field.ToArray());
        field.CopyTo(header.AsSpan(10));
        Assert.True(Checksum.Verifies(Checksum.Add(0, header)));
    }

    /// <summary>Property: for any bytes (up to 3000, so that frames take the vector path) split at any even point, the stack's summing (32-bit words in memory order, 64 bytes a step) matches the word-by-word reference, including odd lengths and a pseudo-header.</summary>
    [FsCheck.Xunit.Property(MaxTest = 300)]
    public Property MatchesWordByWordReference()
    {
        var gen =
            from length in Gen.Frequency((1, Gen.Choose(0, 100)), (1, Gen.Choose(100, 3000)))
            from bytes in Gen.ArrayOf(Gen.Choose(0, 255).Select(b => (byte)b), length)
            from split in Gen.Choose(0, 3000)
            from src in Gen.Choose(int.MinValue, int.MaxValue)
            from dst in Gen.Choose(int.MinValue, int.MaxValue)
            select (bytes, split, src: (uint)src, dst: (uint)dst);
        return Prop.ForAll(gen.ToArbitrary(), c =>
        {
            int cut = Math.Min(c.bytes.Length, c.split) & ~1; // every piece but the last has even length
            var s = new Ipv4Address(c.src);
            var d = new Ipv4Address(c.dst);
            ulong sum = Checksum.Add(Checksum.Add(Checksum.PseudoHeader(s, d, 17, c.bytes.Length), c.bytes.AsSpan(0, cut)), c.bytes.AsSpan(cut));
            Span<byte> field = stackalloc byte[2];
            Checksum.Store(field, Checksum.Finish(sum));
            ushort reference = TestFrames.InternetChecksum(c.bytes, TestFrames.Pseudo(s, d, 17, c.bytes.Length));
            return field[0] == reference >> 8 && field[1] == (byte)reference;
        });
    }

    /// <summary>The most carrying input: 64 KiB of 0xFF bytes at every length near it, from every start offset within a vector.</summary>
    [Fact]
    public void AllOnesAtEveryAlignmentMatchesTheReference()
    {
        var ones = new byte[65_536 + 64];
        Array.Fill(ones, (byte)0xFF);
        Span<byte> field = stackalloc byte[2];
        foreach (int length in new[] { 63, 64, 65, 1447, 1448, 65_535, 65_536 })
            for (int start = 0; start < 33; start += 8)
            {
                var data = ones.AsSpan(start, length);
                Checksum.Store(field, Checksum.Finish(Checksum.Add(0, data)));
                ushort reference = TestFrames.InternetChecksum(data);
                Assert.True(field[0] == reference >> 8 && field[1] == (byte)reference, $"length {length}, start {start}");
            }
    }
}
