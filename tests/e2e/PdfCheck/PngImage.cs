using System.Buffers.Binary;
using System.IO.Compression;

namespace PdfCheck;

/// <summary>
/// A decoded 8-bit PNG as pdftoppm writes it (grey, grey+alpha, RGB or RGBA; not interlaced, not palette):
/// enough to count pixels without an image library. Pixels are stored as RGB triples.
/// </summary>
public sealed class PngImage
{
    public int Width { get; }
    public int Height { get; }
    readonly byte[] _rgb;

    PngImage(int w, int h, byte[] rgb) { Width = w; Height = h; _rgb = rgb; }

    public (byte R, byte G, byte B) this[int x, int y]
    {
        get { int i = (y * Width + x) * 3; return (_rgb[i], _rgb[i + 1], _rgb[i + 2]); }
    }

    public static PngImage Load(string path)
    {
        var data = File.ReadAllBytes(path);
        ReadOnlySpan<byte> sig = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];
        if (data.Length < 8 || !data.AsSpan(0, 8).SequenceEqual(sig)) throw new InvalidDataException($"{path}: not a PNG file");
        int pos = 8, width = 0, height = 0, channels = 0;
        using var idat = new MemoryStream();
        while (pos + 8 <= data.Length)
        {
            int len = BinaryPrimitives.ReadInt32BigEndian(data.AsSpan(pos));
            string type = System.Text.Encoding.ASCII.GetString(data, pos + 4, 4);
            var body = data.AsSpan(pos + 8, len);
            if (type == "IHDR")
            {
                width = BinaryPrimitives.ReadInt32BigEndian(body);
                height = BinaryPrimitives.ReadInt32BigEndian(body[4..]);
                byte depth = body[8], colorType = body[9], interlace = body[12];
                if (depth != 8 || interlace != 0) throw new InvalidDataException($"{path}: only 8-bit non-interlaced PNG is supported (depth {depth}, interlace {interlace})");
                channels = colorType switch
                {
                    0 => 1, 4 => 2, 2 => 3, 6 => 4,
                    _ => throw new InvalidDataException($"{path}: PNG colour type {colorType} not supported"),
                };
            }
            else if (type == "IDAT") idat.Write(body);
            else if (type == "IEND") break;
            pos += 12 + len;
        }
        if (channels == 0) throw new InvalidDataException($"{path}: no IHDR chunk");
        idat.Position = 0;
        using var z = new ZLibStream(idat, CompressionMode.Decompress);
        using var raw = new MemoryStream();
        z.CopyTo(raw);
        var bytes = raw.GetBuffer().AsSpan(0, (int)raw.Length);
        int stride = width * channels;
        if (bytes.Length < height * (stride + 1)) throw new InvalidDataException($"{path}: image data is truncated");
        var prev = new byte[stride];
        var cur = new byte[stride];
        var rgb = new byte[width * height * 3];
        for (int y = 0; y < height; y++)
        {
            var line = bytes.Slice(y * (stride + 1), stride + 1);
            byte filter = line[0];
            for (int i = 0; i < stride; i++)
            {
                int a = i >= channels ? cur[i - channels] : 0, b = prev[i], c = i >= channels ? prev[i - channels] : 0;
                int x = line[i + 1];
                cur[i] = (byte)(filter switch
                {
                    0 => x,
                    1 => x + a,
                    2 => x + b,
                    3 => x + ((a + b) >> 1),
                    4 => x + Paeth(a, b, c),
                    _ => throw new InvalidDataException($"{path}: bad PNG filter {filter} on line {y}"),
                });
            }
            for (int px = 0; px < width; px++)
            {
                int o = (y * width + px) * 3, s = px * channels;
                if (channels <= 2) { rgb[o] = rgb[o + 1] = rgb[o + 2] = cur[s]; }
                else { rgb[o] = cur[s]; rgb[o + 1] = cur[s + 1]; rgb[o + 2] = cur[s + 2]; }
            }
            (prev, cur) = (cur, prev);
        }
        return new PngImage(width, height, rgb);
    }

    static int Paeth(int a, int b, int c)
    {
        int p = a + b - c, pa = Math.Abs(p - a), pb = Math.Abs(p - b), pc = Math.Abs(p - c);
        return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
    }
}
